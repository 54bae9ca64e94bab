# cres-admin — Deutsch
# Die Texte der Anleitung werden wörtlich übernommen: error-non-existent-user,
# user-added, group-account-administrators. Anrede: „Sie“.

## Die vordefinierte Gruppe

group-account-administrators = Kontoadministratoren
# Ein von Administratoren vergebener Gruppenname: unverändert, nie übersetzt.
group-custom-name = { $name }
actor-user = { $email }
actor-unauthenticated = Fehlgeschlagene Anmeldeversuche
actor-provisioner = Bereitstellung durch { $description } ({ $token })

## Beschriftungen der Formulare und Seiten

label-accounts = Konten
label-groups = Gruppen
label-users = Benutzer
label-user-id = Benutzer-ID
label-add-to-group = Zu Gruppe hinzufügen
label-add-user = Benutzer hinzufügen
label-username = Benutzername
label-first-name = Vorname
label-last-name = Nachname
label-password = Kennwort
label-confirm-password = Kennwort bestätigen
label-enforce-password-expiration = Kennwortablauf erzwingen
label-save = Speichern
label-group-name = Gruppenname
label-add-group = Gruppe hinzufügen
label-name = Name
label-email = E-Mail-Adresse
label-account-number = Kontonummer
label-account-name = Kontoname
label-remove-from-group = Aus Gruppe entfernen
label-customer-support = Kundensupport
label-sign-in = Anmelden
label-change-password = Kennwort ändern
label-send-secure-message = Sichere Nachricht senden
label-register = Registrieren
label-page-size = Seitengröße
label-search = Suchen
label-scim-user-name = Benutzername (SCIM)
label-external-id = Externe ID
label-description = Beschreibung
label-display-name = Anzeigename
label-disable-user = Benutzer deaktivieren
label-enable-user = Benutzer aktivieren
label-delete-user = Benutzer löschen

## Beschriftungen der Webkonsole

label-details = Details
label-actions = Aktionen
label-back-to-accounts = Zurück zur Kontenliste
label-sign-out = Abmelden
label-signed-in-as = Angemeldet als
label-audit-trail = Prüfprotokoll
label-create-account = Konto erstellen
label-reset-password = Kennwort zurücksetzen
label-unlock-user = Benutzer entsperren
label-status = Status
label-created = Erstellt am
label-next-page = Nächste Seite
label-language = Sprache
label-new-password = Neues Kennwort
label-set-password = Kennwort festlegen
label-support-password = Kennwort des Kundensupports
label-active = Aktiv
label-disabled = Deaktiviert
label-yes = Ja
label-no = Nein
label-temporary-password = Temporäres Kennwort
label-locked = Gesperrt
label-administrator = Administrator
label-members = Mitglieder
label-recipient = Empfänger
label-registration-link = Registrierungslink der sicheren Nachricht
label-when = Zeitpunkt
label-who = Durchgeführt von
label-action = Aktion
label-account-details = Kontodetails
label-administration = CRES-Kontoverwaltung
label-form-refused = Dieses Formular konnte nicht angenommen werden: Es ist abgelaufen oder stammt nicht von dieser Website. Es wurde nichts geändert. Laden Sie die Seite neu und versuchen Sie es erneut.
label-not-signed-in = Bitte melden Sie sich an, um fortzufahren.
label-no-account-administered = Sie verwalten kein Konto.
label-page-not-found = Diese Seite existiert nicht.
label-audit-account-created = Konto erstellt
label-audit-account-renamed = Konto umbenannt
label-audit-user-added = Benutzer hinzugefügt
label-audit-group-created = Gruppe hinzugefügt
label-audit-group-renamed = Gruppe umbenannt
label-audit-group-deleted = Gruppe gelöscht
label-audit-member-added = Zu Gruppe hinzugefügt
label-audit-member-removed = Aus Gruppe entfernt
label-audit-password-changed = Kennwort vom Benutzer geändert
label-audit-password-reset = Kennwort zurückgesetzt
label-audit-user-locked = Anmeldung gesperrt
label-audit-user-unlocked = Benutzer entsperrt
label-audit-secure-message-sent = Sichere Nachricht gesendet
label-audit-registration-ended = Einladung beendet
label-audit-registrations-purged = Abgelaufene Einladungen entfernt
label-audit-registration-revoked = Einladung widerrufen
label-audit-user-registered = Benutzer registriert
label-audit-user-disabled = Benutzer deaktiviert
label-audit-user-enabled = Benutzer aktiviert
label-audit-user-deleted = Benutzer gelöscht
label-audit-user-renamed = Benutzer umbenannt
label-audit-email-changed = E-Mail-Adresse geändert
label-audit-other = Sonstige Änderung

## Listen

groups-showing =
    { $count ->
        [one] Es wird { $count } Gruppe angezeigt.
       *[other] Es werden { $count } Gruppen angezeigt.
    }

users-showing =
    { $count ->
        [one] Es wird { $count } Benutzer angezeigt.
       *[other] Es werden { $count } Benutzer angezeigt.
    }

## Bestätigungen

account-created = Konto { $account } erstellt.
account-renamed = Konto { $account } von „{ $previous }“ in „{ $name }“ umbenannt.
user-added = Benutzer { $email } hinzugefügt.
group-created = Gruppe „{ $group }“ hinzugefügt.
provisioning-token-issued = Bereitstellungstoken { $description } ausgestellt. Kopieren Sie es jetzt: Es wird nur einmal angezeigt.
provisioning-token-revoked = Bereitstellungstoken { $description } widerrufen.
group-renamed = Gruppe „{ $previous }“ in „{ $group }“ umbenannt.
group-deleted = Gruppe „{ $group }“ gelöscht.
member-added = Benutzer { $email } zur Gruppe „{ $group }“ hinzugefügt.
member-already = Benutzer { $email } ist bereits Mitglied der Gruppe „{ $group }“.
member-removed = Benutzer { $email } aus der Gruppe „{ $group }“ entfernt.

## Fehler: Eingaben

error-field-empty = Bitte füllen Sie das Feld „{ $field }“ aus.
error-field-too-long = Das Feld „{ $field }“ darf höchstens { $max } Zeichen enthalten.
error-field-too-short = Das Feld „{ $field }“ muss mindestens { $min } Zeichen enthalten.
error-field-control-character = Das Feld „{ $field }“ darf keine Steuerzeichen wie Zeilenumbrüche enthalten.
error-field-invisible-character = Das Feld „{ $field }“ darf weder unsichtbare Zeichen noch Textrichtungszeichen enthalten.
error-field-whitespace = Das Feld „{ $field }“ darf keine Leerzeichen enthalten.
error-field-non-ascii = Das Feld „{ $field }“ darf nur ASCII-Zeichen enthalten; geben Sie eine internationale Domain in ihrer „xn--“-Form ein.
error-field-not-a-number = Das Feld „{ $field }“ muss eine Zahl mit 1 bis 12 Ziffern enthalten.
error-field-out-of-range = Das Feld „{ $field }“ muss eine ganze Zahl von { $min } bis { $max } enthalten.
error-email-at-sign = Das Feld „{ $field }“ muss genau ein @-Zeichen enthalten.
error-email-local-part = Das Feld „{ $field }“ enthält vor dem @-Zeichen einen ungültigen Teil.
error-email-domain = Das Feld „{ $field }“ enthält nach dem @-Zeichen eine ungültige Domain.
error-password-mismatch = Die Felder „Kennwort“ und „{ $field }“ stimmen nicht überein.

## Fehler: Regeln

error-non-existent-user = Es kann kein nicht vorhandener Benutzer hinzugefügt werden.
error-user-exists = Ein Benutzer mit der E-Mail-Adresse { $email } ist bereits vorhanden.
error-account-exists = Das Konto { $account } ist bereits vorhanden.
error-account-not-found = Das Konto { $account } ist nicht vorhanden.
error-group-exists = Dieses Konto hat bereits eine Gruppe namens „{ $group }“.
error-group-not-found = Diese Gruppe ist nicht vorhanden.
error-invalid-cursor = Dieser Seitenlink ist nicht mehr gültig. Beginnen Sie wieder bei der ersten Seite.
error-busy = Der Dienst ist gerade ausgelastet. Versuchen Sie es gleich noch einmal.
error-user-id-not-found = Kein Benutzer dieses Kontos hat die ID { $id }.
error-user-name-taken = Ein anderer Benutzer dieses Kontos hat bereits den Benutzernamen { $name }.
error-external-id-taken = Ein anderer Benutzer dieses Kontos hat bereits die externe ID { $id }.
error-stale-revision = Jemand anderes hat dies inzwischen geändert. Lesen Sie es erneut und wiederholen Sie die Änderung.
error-provisioning-refused = Dieses Bereitstellungstoken gilt nicht für dieses Konto.
error-provisioning-token-not-found = Dieses Konto hat kein Bereitstellungstoken mit dieser ID.
error-too-many-provisioning-tokens = Ein Konto darf höchstens { $max } Bereitstellungstoken haben. Widerrufen Sie zuerst eines.
error-not-a-member = Benutzer { $email } ist kein Mitglied der Gruppe „{ $group }“.
error-built-in-group = Die Gruppe „{ $group }“ ist vordefiniert und kann weder gelöscht noch umbenannt werden.
error-last-administrator = Benutzer { $email } ist der letzte Kontoadministrator des Kontos { $account } und kann nicht entfernt werden.
error-last-active-administrator = Benutzer { $email } ist der letzte aktive Kontoadministrator des Kontos { $account } und kann weder deaktiviert noch gelöscht werden.
error-support-only = Nur der Kundensupport kann diese Aktion ausführen.
error-not-account-administrator = Nur ein Kontoadministrator des Kontos { $account } kann diese Aktion ausführen.
error-store = Das Kontoverzeichnis ist nicht erreichbar. Es wurde nichts geändert; bitte versuchen Sie es erneut.
error-store-busy = Das Kontoverzeichnis ist mit anderen Änderungen beschäftigt. Es wurde nichts geändert; bitte versuchen Sie es gleich noch einmal.
error-store-cannot-open = Das Kontoverzeichnis konnte nicht geöffnet werden. Bitte prüfen Sie den Pfad und die Zugriffsrechte.
error-store-not-a-database = Diese Datei ist kein Kontoverzeichnis. Sie wurde nicht verändert.
error-store-newer-schema = Das Kontoverzeichnis wurde von einer neueren Version geschrieben (Schema { $found }; diese Version unterstützt höchstens Schema { $supported }). Es wurde nicht verändert; bitte aktualisieren Sie die Software.
error-store-corrupt = Das Kontoverzeichnis ist beschädigt und kann nicht gelesen werden. Es wurde nichts geändert; bitte stellen Sie es aus einer Sicherung wieder her.
error-store-full = Der Datenträger des Kontoverzeichnisses ist voll. Es wurde nichts geändert; bitte geben Sie Speicherplatz frei und versuchen Sie es erneut.

## Anmeldung

error-password-common = Das Feld „{ $field }“ enthält eines der häufigsten Kennwörter. Bitte wählen Sie ein schwerer zu erratendes.
error-password-personal = Das Feld „{ $field }“ darf weder Ihren Namen noch den Teil Ihrer E-Mail-Adresse vor dem @ enthalten.
error-password-same-as-current = Das Feld „{ $field }“ muss sich vom aktuellen Kennwort unterscheiden.
error-password-repetitive = Das Feld „{ $field }“ darf nicht aus einem wiederholten Zeichen oder einem wiederholten kurzen Muster bestehen.
error-password-sequential = Das Feld „{ $field }“ darf keine Folge von Buchstaben, Ziffern oder Tastaturtasten wie abcdef, 123456 oder qwertz sein.
error-password-account-name = Das Feld „{ $field }“ darf weder der Name des Kontos sein noch ihn enthalten.
error-group-name-reserved = Das Feld „{ $field }“ ähnelt zu sehr dem Namen der integrierten Gruppe „{ group-account-administrators }“.
error-sign-in-refused = Die E-Mail-Adresse oder das Kennwort ist falsch, oder dieser Benutzer kann sich derzeit nicht anmelden.
error-temporary-password-expired = Dieses temporäre Kennwort ist abgelaufen. Bitten Sie einen Administrator, ein neues festzulegen.
error-password-change-expired = Mit dieser Anmeldung kann das Kennwort nicht mehr geändert werden: Das Kennwort wurde geändert, es ist zu viel Zeit vergangen, oder die Anmeldung ist gesperrt. Bitte melden Sie sich erneut an.
error-user-not-found = Kein Benutzer hat die E-Mail-Adresse { $email }.
error-own-password-required = { $email } muss sich zuerst anmelden und ein eigenes Kennwort festlegen: Das aktuelle Kennwort hat jemand gewählt, der dieses Konto nicht verwaltet.
error-invited-elsewhere = { $email } wurde bereits per sicherer Nachricht zur Registrierung eingeladen. Die Registrierung ist über diese Nachricht möglich; danach können Sie den Benutzer einer Gruppe hinzufügen.
error-not-governing-administrator = Nur der Kundensupport oder ein Administrator jedes Kontos, zu dem dieser Benutzer gehört, kann dies tun.
signed-in = Angemeldet als { $email }.
permanent-password-required = Ihr Kennwort ist temporär. Legen Sie ein dauerhaftes Kennwort fest, um fortzufahren.
password-changed = Ihr Kennwort wurde geändert.
password-reset = Benutzer { $email } hat ein neues temporäres Kennwort, das bei der nächsten Anmeldung geändert werden muss.
user-unlocked = Benutzer { $email } kann sich wieder anmelden.
user-disabled = Benutzer { $email } ist deaktiviert und kann sich nicht mehr anmelden.
user-enabled = Benutzer { $email } ist wieder aktiviert und kann sich anmelden.
user-deleted = Benutzer { $email } gelöscht.
user-renamed = Benutzer { $email } heißt jetzt { $first } { $last }.
email-changed = Die E-Mail-Adresse { $from } wurde durch { $to } ersetzt.

## Registrierung per sicherer Nachricht

secure-message-registration = Sichere Nachricht an { $email } gesendet. Der Empfänger kann sich über den darin enthaltenen Link registrieren.
secure-message-existing-user = Sichere Nachricht an { $email } gesendet; der Empfänger kann sich anmelden, um sie zu öffnen.
registered = Registrierung abgeschlossen: { $email } kann sich jetzt anmelden.
registrations-purged =
    { $count ->
        [0] Es war keine abgelaufene Registrierung vorhanden.
        [one] { $count } abgelaufene Registrierung wurde entfernt.
       *[other] { $count } abgelaufene Registrierungen wurden entfernt.
    }
registration-revoked = Die Registrierung von { $email } wurde widerrufen; ihr Link funktioniert nicht mehr.
error-registration-refused = Dieser Registrierungslink ist ungültig: Er ist unbekannt, wurde bereits verwendet oder widerrufen.
error-registration-expired = Dieser Registrierungslink ist abgelaufen. Bitten Sie den Absender, die Nachricht erneut zu senden.
error-registration-not-found = Für { $email } steht keine Registrierung aus.
error-not-account-member = Nur Benutzer des Kontos { $account } können in seinem Namen sichere Nachrichten senden.

## SCIM provisioning: what a request got wrong.
scim-not-found = Unter dieser Adresse gibt es nichts.
scim-method-not-allowed = Diese Adresse akzeptiert diese Methode nicht.
scim-filter-too-long = Der Filter ist länger als { $max } Byte.
scim-filter-too-deep = Der Filter ist tiefer als { $max } Ebenen verschachtelt.
scim-filter-syntax = Der Filter oder Pfad ist an Byte { $at } keine gültige SCIM-Syntax.
scim-filter-attribute = Der Filter nennt ein Attribut, das diese Ressource nicht hat, oder vergleicht es auf eine Weise, die sein Typ nicht erlaubt.
scim-patch-schema = Eine PATCH-Anfrage muss das Schema PatchOp haben.
scim-patch-operations = Eine PATCH-Anfrage braucht eine Liste Operations.
scim-too-many-operations = Eine PATCH-Anfrage darf höchstens 1000 Operationen haben.
scim-patch-op = Jede Operation muss add, replace oder remove sein.
scim-patch-no-target = Eine remove-Operation braucht einen Pfad.
scim-patch-value = Der Wert der Operation passt nicht zum Attribut.
scim-patch-path = Der Pfad nennt ein Attribut, das diese Ressource nicht hat.
scim-read-only = Dieses Attribut kann nicht geändert werden.
scim-active = active muss true oder false sein.
scim-member = Jedes Mitglied braucht die ID eines Benutzers als Wert.
scim-search-schema = Eine Suchanfrage muss das Schema SearchRequest haben.
scim-search-parameter = Ein Suchparameter hat einen Wert vom falschen Typ.
scim-paging = startIndex und count müssen ganze Zahlen sein.
scim-media-type = Der Inhalt muss application/scim+json oder application/json sein.
scim-json = Der Inhalt ist kein gültiges JSON.
scim-body-too-large = Der Inhalt ist größer als 1 MiB.
