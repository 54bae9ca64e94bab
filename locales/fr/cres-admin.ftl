# cres-admin — français
# Les textes du guide sont repris mot pour mot : error-non-existent-user,
# user-added, group-account-administrators.
# Typographie : espace insécable (U+00A0) avant « : ; ! ? » et à l'intérieur
# des guillemets « … ».

## Le groupe prédéfini

group-account-administrators = Administrateurs de compte
# Un nom de groupe choisi par un administrateur : affiché tel quel, jamais traduit.
group-custom-name = { $name }
actor-user = { $email }
actor-unauthenticated = Tentatives de connexion échouées
actor-provisioner = Approvisionnement par { $description } ({ $token })

## Libellés des formulaires et des pages

label-accounts = Comptes
label-groups = Groupes
label-users = Utilisateurs
label-user-id = ID utilisateur
label-add-to-group = Ajouter au groupe
label-add-user = Ajouter un utilisateur
label-username = Nom d'utilisateur
label-first-name = Prénom
label-last-name = Nom
label-password = Mot de passe
label-confirm-password = Confirmer le mot de passe
label-enforce-password-expiration = Appliquer l'expiration du mot de passe
label-save = Enregistrer
label-group-name = Nom du groupe
label-add-group = Ajouter un groupe
label-name = Nom
label-email = Adresse e-mail
label-account-number = Numéro de compte
label-account-name = Nom du compte
label-remove-from-group = Retirer du groupe
label-customer-support = Service d'assistance à la clientèle
label-sign-in = Se connecter
label-change-password = Changer le mot de passe
label-send-secure-message = Envoyer un message sécurisé
label-register = S'inscrire
label-page-size = Taille de page
label-search = Rechercher
label-scim-user-name = Nom d'utilisateur (SCIM)
label-external-id = Identifiant externe
label-description = Description
label-display-name = Nom affiché
label-disable-user = Désactiver l'utilisateur
label-enable-user = Réactiver l'utilisateur
label-delete-user = Supprimer l'utilisateur

## Libellés de la console web

label-details = Détails
label-actions = Actions
label-back-to-accounts = Retour à la liste des comptes
label-sign-out = Se déconnecter
label-signed-in-as = Connecté en tant que
label-audit-trail = Journal d'audit
label-create-account = Créer un compte
label-reset-password = Réinitialiser le mot de passe
label-unlock-user = Déverrouiller l'utilisateur
label-status = Statut
label-created = Créé le
label-next-page = Page suivante
label-language = Langue
label-new-password = Nouveau mot de passe
label-set-password = Définir le mot de passe
label-support-password = Mot de passe du service d'assistance
label-active = Actif
label-disabled = Désactivé
label-yes = Oui
label-no = Non
label-temporary-password = Mot de passe temporaire
label-locked = Verrouillé
label-administrator = Administrateur
label-members = Membres
label-recipient = Destinataire
label-registration-link = Lien d'inscription du message sécurisé
label-when = Date
label-who = Auteur
label-action = Action
label-account-details = Détails du compte
label-administration = Administration des comptes CRES
label-form-refused = Ce formulaire n'a pas pu être accepté : il a expiré ou ne provient pas de ce site. Rien n'a été modifié. Rechargez la page et réessayez.
label-not-signed-in = Veuillez vous connecter pour continuer.
label-no-account-administered = Vous n'administrez aucun compte.
label-page-not-found = Cette page n'existe pas.
label-audit-account-created = Compte créé
label-audit-account-renamed = Compte renommé
label-audit-user-added = Utilisateur ajouté
label-audit-group-created = Groupe ajouté
label-audit-group-renamed = Groupe renommé
label-audit-group-deleted = Groupe supprimé
label-audit-member-added = Ajouté au groupe
label-audit-member-removed = Retiré du groupe
label-audit-password-changed = Mot de passe modifié par l'utilisateur
label-audit-password-reset = Mot de passe réinitialisé
label-audit-user-locked = Connexion verrouillée
label-audit-user-unlocked = Utilisateur déverrouillé
label-audit-secure-message-sent = Message sécurisé envoyé
label-audit-registration-ended = Invitation terminée
label-audit-registrations-purged = Invitations expirées supprimées
label-audit-registration-revoked = Invitation révoquée
label-audit-user-registered = Utilisateur inscrit
label-audit-user-disabled = Utilisateur désactivé
label-audit-user-enabled = Utilisateur réactivé
label-audit-user-deleted = Utilisateur supprimé
label-audit-user-renamed = Utilisateur renommé
label-audit-email-changed = Adresse e-mail modifiée
label-audit-other = Autre modification

## Listes

# En français, 0 et 1 prennent le singulier (catégorie CLDR « one »).
groups-showing =
    { $count ->
        [one] { $count } groupe affiché.
       *[other] { $count } groupes affichés.
    }

users-showing =
    { $count ->
        [one] { $count } utilisateur affiché.
       *[other] { $count } utilisateurs affichés.
    }

## Confirmations

account-created = Compte { $account } créé.
account-renamed = Compte { $account } renommé de « { $previous } » en « { $name } ».
user-added = Utilisateur { $email } ajouté.
group-created = Groupe « { $group } » ajouté.
provisioning-token-issued = Jeton d'approvisionnement { $description } émis. Copiez-le maintenant : il n'est affiché qu'une fois.
provisioning-token-revoked = Jeton d'approvisionnement { $description } révoqué.
group-renamed = Groupe « { $previous } » renommé en « { $group } ».
group-deleted = Groupe « { $group } » supprimé.
member-added = Utilisateur { $email } ajouté au groupe « { $group } ».
member-already = L'utilisateur { $email } fait déjà partie du groupe « { $group } ».
member-removed = Utilisateur { $email } retiré du groupe « { $group } ».

## Erreurs : saisie

error-field-empty = Le champ « { $field } » est obligatoire.
error-field-too-long =
    Le champ « { $field } » ne doit pas dépasser { $max } { $max ->
        [one] caractère
       *[other] caractères
    }.
error-field-too-short =
    Le champ « { $field } » doit contenir au moins { $min } { $min ->
        [one] caractère
       *[other] caractères
    }.
error-field-control-character = Le champ « { $field } » ne doit pas contenir de caractères de contrôle, comme des sauts de ligne.
error-field-invisible-character = Le champ « { $field } » ne doit contenir ni caractères invisibles ni caractères de direction du texte.
error-field-whitespace = Le champ « { $field } » ne doit pas contenir d'espaces.
error-field-non-ascii = Le champ « { $field } » ne doit contenir que des caractères ASCII ; saisissez un nom de domaine international sous sa forme xn--.
error-field-not-a-number = Le champ « { $field } » doit contenir un nombre de 1 à 12 chiffres.
error-field-out-of-range = Le champ « { $field } » doit contenir un nombre entier de { $min } à { $max }.
error-email-at-sign = Le champ « { $field } » doit contenir exactement un signe @.
error-email-local-part = Le champ « { $field } » contient une partie non valide avant le signe @.
error-email-domain = Le champ « { $field } » contient un domaine non valide après le signe @.
error-password-mismatch = Les champs « Mot de passe » et « { $field } » ne correspondent pas.

## Erreurs : règles

error-non-existent-user = Impossible d'ajouter un utilisateur inexistant.
error-user-exists = Un utilisateur possède déjà l'adresse e-mail { $email }.
error-account-exists = Le compte { $account } existe déjà.
error-account-not-found = Le compte { $account } n'existe pas.
error-group-exists = Ce compte possède déjà un groupe nommé « { $group } ».
error-group-not-found = Ce groupe n'existe pas.
error-invalid-cursor = Ce lien de page n'est plus valide. Recommencez à partir de la première page.
error-busy = Le service est occupé. Réessayez dans un instant.
error-user-id-not-found = Aucun utilisateur de ce compte n'a l'identifiant { $id }.
error-user-name-taken = Un autre utilisateur de ce compte a déjà le nom d'utilisateur { $name }.
error-external-id-taken = Un autre utilisateur de ce compte a déjà l'identifiant externe { $id }.
error-stale-revision = Quelqu'un d'autre l'a modifié entre-temps. Relisez-le, puis refaites la modification.
error-provisioning-refused = Ce jeton d'approvisionnement n'est pas valable pour ce compte.
error-provisioning-token-not-found = Ce compte n'a aucun jeton d'approvisionnement avec cet identifiant.
error-too-many-provisioning-tokens = Un compte peut avoir au plus { $max } jetons d'approvisionnement. Révoquez-en un d'abord.
error-not-a-member = L'utilisateur { $email } ne fait pas partie du groupe « { $group } ».
error-built-in-group = Le groupe « { $group } » est prédéfini : il ne peut être ni supprimé ni renommé.
error-last-administrator = L'utilisateur { $email } est le dernier administrateur du compte { $account } et ne peut pas être retiré.
error-last-active-administrator = L'utilisateur { $email } est le dernier administrateur actif du compte { $account } : il ne peut être ni désactivé ni supprimé.
error-support-only = Seul le service d'assistance à la clientèle peut effectuer cette opération.
error-not-account-administrator = Seul un administrateur du compte { $account } peut effectuer cette opération.
error-store = L'annuaire des comptes est inaccessible. Aucune modification n'a été effectuée ; veuillez réessayer.
error-store-busy = L'annuaire des comptes est occupé par d'autres modifications. Aucune modification n'a été effectuée ; veuillez réessayer dans un instant.
error-store-cannot-open = Impossible d'ouvrir l'annuaire des comptes. Vérifiez son chemin et ses droits d'accès.
error-store-not-a-database = Ce fichier n'est pas un annuaire des comptes. Il n'a pas été modifié.
error-store-newer-schema = L'annuaire des comptes a été écrit par une version plus récente (schéma { $found } ; cette version prend en charge jusqu'au schéma { $supported }). Il n'a pas été modifié ; veuillez mettre à jour l'application.
error-store-corrupt = L'annuaire des comptes est endommagé et illisible. Aucune modification n'a été effectuée ; restaurez-le à partir d'une sauvegarde.
error-store-full = Le disque de l'annuaire des comptes est plein. Aucune modification n'a été effectuée ; libérez de l'espace et réessayez.

## Connexion

error-password-common = Le champ « { $field } » contient un mot de passe trop courant ; choisissez-en un plus difficile à deviner.
error-password-personal = Le champ « { $field } » ne doit ni être ni contenir votre nom ou la partie de votre adresse e-mail qui précède le signe @.
error-password-same-as-current = Le champ « { $field } » doit être différent du mot de passe actuel.
error-password-repetitive = Le champ « { $field } » ne doit pas répéter un même caractère ou un même court motif.
error-password-sequential = Le champ « { $field } » ne doit pas être une suite de lettres, de chiffres ou de touches du clavier comme abcdef, 123456 ou azerty.
error-password-account-name = Le champ « { $field } » ne doit ni être ni contenir le nom du compte.
error-group-name-reserved = Le champ « { $field } » est trop proche du nom du groupe intégré « { group-account-administrators } ».
error-sign-in-refused = L'adresse e-mail ou le mot de passe est incorrect, ou cet utilisateur ne peut pas se connecter pour le moment.
error-temporary-password-expired = Ce mot de passe temporaire a expiré. Demandez à un administrateur d'en définir un nouveau.
error-password-change-expired = Cette connexion ne permet plus de changer le mot de passe : le mot de passe a changé, trop de temps s'est écoulé ou la connexion est bloquée. Veuillez vous reconnecter.
error-user-not-found = Aucun utilisateur n'a l'adresse e-mail { $email }.
error-own-password-required = { $email } doit d'abord se connecter et choisir son propre mot de passe : le mot de passe actuel a été choisi par une personne qui n'administre pas ce compte.
error-invited-elsewhere = { $email } a déjà été invité à s'inscrire par message sécurisé. Il peut s'inscrire par ce message ; vous pourrez ensuite l'ajouter à un groupe.
error-not-governing-administrator = Seul le service d'assistance à la clientèle, ou un administrateur de chacun des comptes auxquels cet utilisateur appartient, peut effectuer cette action.
signed-in = Connecté en tant que { $email }.
permanent-password-required = Votre mot de passe est temporaire. Définissez un mot de passe permanent pour continuer.
password-changed = Votre mot de passe a été modifié.
password-reset = L'utilisateur { $email } a un nouveau mot de passe temporaire, à changer lors de sa prochaine connexion.
user-unlocked = L'utilisateur { $email } peut de nouveau se connecter.
user-disabled = L'utilisateur { $email } est désactivé et ne peut plus se connecter.
user-enabled = L'utilisateur { $email } est réactivé et peut de nouveau se connecter.
user-deleted = Utilisateur { $email } supprimé.
user-renamed = L'utilisateur { $email } s'appelle désormais { $first } { $last }.
email-changed = L'adresse e-mail { $from } est remplacée par { $to }.

## Inscription par message sécurisé

secure-message-registration = Message sécurisé envoyé à { $email }. Le destinataire peut s'inscrire grâce au lien qu'il contient.
secure-message-existing-user = Message sécurisé envoyé à { $email }, qui peut se connecter pour l'ouvrir.
registered = Inscription terminée : { $email } peut désormais se connecter.
registrations-purged =
    { $count ->
        [0] Aucune inscription expirée n'était en attente.
        [one] { $count } inscription expirée a été supprimée.
       *[other] { $count } inscriptions expirées ont été supprimées.
    }
registration-revoked = L'inscription de { $email } a été révoquée ; son lien ne fonctionne plus.
error-registration-refused = Ce lien d'inscription n'est pas valide : il est inconnu, déjà utilisé ou révoqué.
error-registration-expired = Ce lien d'inscription a expiré. Demandez à l'expéditeur de renvoyer le message.
error-registration-not-found = Aucune inscription n'est en attente pour { $email }.
error-not-account-member = Seuls les utilisateurs du compte { $account } peuvent envoyer des messages sécurisés en son nom.

## SCIM provisioning: what a request got wrong.
scim-not-found = Il n'y a rien à cette adresse.
scim-method-not-allowed = Cette adresse n'accepte pas cette méthode.
scim-filter-too-long = Le filtre dépasse { $max } octets.
scim-filter-too-deep = Le filtre est imbriqué sur plus de { $max } niveaux.
scim-filter-syntax = Le filtre ou le chemin n'est pas une syntaxe SCIM valide à l'octet { $at }.
scim-filter-attribute = Le filtre nomme un attribut que cette ressource n'a pas, ou le compare d'une façon que son type ne permet pas.
scim-patch-schema = Une requête PATCH doit avoir le schéma PatchOp.
scim-patch-operations = Une requête PATCH a besoin d'une liste Operations.
scim-too-many-operations = Une requête PATCH peut avoir au plus 1000 opérations.
scim-patch-op = Chaque opération doit être add, replace ou remove.
scim-patch-no-target = Une opération remove a besoin d'un chemin.
scim-patch-value = La valeur de l'opération ne convient pas à l'attribut.
scim-patch-path = Le chemin nomme un attribut que cette ressource n'a pas.
scim-read-only = Cet attribut ne peut pas être modifié.
scim-active = active doit valoir true ou false.
scim-member = Chaque membre a besoin de l'identifiant d'un utilisateur comme valeur.
scim-search-schema = Une requête de recherche doit avoir le schéma SearchRequest.
scim-search-parameter = Un paramètre de recherche a une valeur du mauvais type.
scim-paging = startIndex et count doivent être des nombres entiers.
scim-media-type = Le corps doit être application/scim+json ou application/json.
scim-json = Le corps n'est pas du JSON valide.
scim-body-too-large = Le corps dépasse 1 Mio.
