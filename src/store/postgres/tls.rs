//! TLS to the server through rustls, as libpq's `sslmode` and
//! `sslrootcert` ask: `disable`, `prefer` and `require` encrypt when they
//! can without checking whom they talk to (as libpq does), `verify-full`
//! checks the certificate chain and the host name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::store::OpenError;

/// How a connection uses TLS: libpq's `sslmode` values that this store
/// supports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsMode {
    /// Never: plain TCP.
    Disable,
    /// TLS when the server offers it, plain TCP otherwise; the certificate
    /// is not checked (libpq's default).
    Prefer,
    /// TLS or no connection. The certificate is checked (chain and host
    /// name) against `root_certificates` if given, not checked otherwise:
    /// encryption without authentication, as libpq's `require`.
    Require {
        /// PEM file of the certificate authorities to trust.
        root_certificates: Option<PathBuf>,
    },
    /// TLS or no connection, and the server's certificate must chain to a
    /// trusted authority (the PEM file if given, the Mozilla roots of
    /// `webpki-roots` otherwise) and name the host connected to.
    VerifyFull {
        /// PEM file of the certificate authorities to trust.
        root_certificates: Option<PathBuf>,
    },
}

impl TlsMode {
    /// The mode named by `sslmode` and `sslrootcert` values.
    pub(super) fn parse(mode: Option<&str>, root: Option<PathBuf>) -> Result<TlsMode, OpenError> {
        Ok(match mode.unwrap_or("prefer") {
            "disable" => TlsMode::Disable,
            "prefer" => TlsMode::Prefer,
            "require" => TlsMode::Require {
                root_certificates: root,
            },
            "verify-full" => TlsMode::VerifyFull {
                root_certificates: root,
            },
            _ => {
                return Err(OpenError::CannotOpen(
                    "sslmode must be disable, prefer, require or verify-full".into(),
                ));
            }
        })
    }

    /// What tokio-postgres is told: whether TLS is tried, required or off.
    pub(super) fn ssl_mode(&self) -> postgres::config::SslMode {
        use postgres::config::SslMode;
        match self {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Prefer => SslMode::Prefer,
            TlsMode::Require { .. } | TlsMode::VerifyFull { .. } => SslMode::Require,
        }
    }

    /// The rustls configuration of each connection; `None` for plain TCP.
    pub(super) fn client_config(&self) -> Result<Option<Arc<rustls::ClientConfig>>, OpenError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|error| OpenError::CannotOpen(Box::new(error)))?;
        let verified = |roots: RootCertStore| builder.clone().with_root_certificates(roots);
        let config = match self {
            TlsMode::Disable => return Ok(None),
            TlsMode::Prefer
            | TlsMode::Require {
                root_certificates: None,
            } => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
                .with_no_client_auth(),
            TlsMode::Require {
                root_certificates: Some(file),
            }
            | TlsMode::VerifyFull {
                root_certificates: Some(file),
            } => verified(roots_from(file)?).with_no_client_auth(),
            TlsMode::VerifyFull {
                root_certificates: None,
            } => verified(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
            .with_no_client_auth(),
        };
        Ok(Some(Arc::new(config)))
    }
}

/// The certificate authorities of a PEM file.
fn roots_from(file: &Path) -> Result<RootCertStore, OpenError> {
    let cannot = |error: rustls::pki_types::pem::Error| {
        OpenError::CannotOpen(
            format!(
                "the root certificates in {} could not be read: {error}",
                file.display()
            )
            .into(),
        )
    };
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(file).map_err(cannot)? {
        roots
            .add(certificate.map_err(cannot)?)
            .map_err(|error| OpenError::CannotOpen(Box::new(error)))?;
    }
    if roots.is_empty() {
        return Err(OpenError::CannotOpen(
            format!("{} holds no certificate", file.display()).into(),
        ));
    }
    Ok(roots)
}

/// Accepts any server certificate, still checking the handshake's
/// signatures: what libpq's `prefer` and `require` do (encryption against
/// a passive listener, no authentication of the server).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl Unchecked {
    fn algorithms(&self) -> &WebPkiSupportedAlgorithms {
        &self.0.signature_verification_algorithms
    }
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, self.algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, self.algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms().supported_schemes()
    }
}
