//! Whom the mail adapters trust over TLS ([`TlsTrust`]): the Mozilla roots of `webpki-roots`,
//! plus the roots of the optional `tls_ca_file` (a team's private CA for an internal mail
//! server). One value serves every connection that may use TLS: IMAP passes
//! ([`connect`], used by the poller and by "test this mailbox") and the SMTP mailers
//! ([`TlsTrust::smtp_parameters`] for lettre).
//!
//! Invariants:
//! - The file is read once, when the configuration is read; a file that cannot be read or
//!   holds no valid certificate stops the start with a message naming it.
//! - Extra roots are added to the webpki roots, never replace them.
//! - Certificates are always verified, host name included: there is no switch to accept an
//!   invalid certificate or a name the certificate does not carry.
//! - A failed verification is explained in words ([`describe_tls_error`]): an unknown
//!   issuer (and the `tls_ca_file` remedy), a name the certificate does not carry, expiry.

use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

/// The roots TLS servers are verified against: webpki's, plus those of a CA file.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsTrust {
    /// The extra roots (DER), in file order.
    extra: Arc<[CertificateDer<'static>]>,
    /// The file they came from (for messages).
    source: Option<Arc<str>>,
}

impl std::fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTrust")
            .field("extra_roots", &self.extra.len())
            .field("source", &self.source)
            .finish()
    }
}

impl TlsTrust {
    /// The webpki roots only (the default).
    pub fn webpki() -> Self {
        Self::default()
    }

    /// The webpki roots plus every certificate in the PEM file `path`. Fails (with a message
    /// naming the file) when it cannot be read, holds no certificate, or one is not a usable
    /// root.
    pub fn with_ca_file(path: &str) -> Result<Self, String> {
        let pem =
            std::fs::read(path).map_err(|e| format!("cannot read the CA file {path}: {e}"))?;
        let trust = Self::with_ca_pem(&pem).map_err(|e| format!("{path}: {e}"))?;
        Ok(Self {
            source: Some(path.into()),
            ..trust
        })
    }

    /// The webpki roots plus every certificate in `pem` (see [`Self::with_ca_file`]).
    pub fn with_ca_pem(pem: &[u8]) -> Result<Self, String> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("not a valid PEM file: {e}"))?;
        if certs.is_empty() {
            return Err(
                "no certificate in it (expected -----BEGIN CERTIFICATE----- blocks)".into(),
            );
        }
        // Parsing each into a trust anchor now, so a broken one stops the start rather than
        // failing every connection later.
        let mut store = rustls::RootCertStore::empty();
        for (i, cert) in certs.iter().enumerate() {
            store
                .add(cert.clone())
                .map_err(|e| format!("certificate {} is not a usable CA: {e}", i + 1))?;
        }
        Ok(Self {
            extra: certs.into(),
            source: None,
        })
    }

    /// How many roots were added to webpki's.
    pub fn extra_roots(&self) -> usize {
        self.extra.len()
    }

    /// The root store: webpki's roots and the extra ones.
    pub fn root_store(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        // Each was checked when the trust was built.
        let _ = roots.add_parsable_certificates(self.extra.iter().cloned());
        roots
    }

    /// A rustls client configuration verifying servers against [`Self::root_store`].
    pub fn client_config(&self) -> Result<rustls::ClientConfig, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(self.root_store())
            .with_no_client_auth())
    }

    /// lettre's TLS parameters for a connection to `host`, verifying against the webpki roots
    /// and the extra ones.
    pub fn smtp_parameters(
        &self,
        host: &str,
    ) -> Result<lettre::transport::smtp::client::TlsParameters, lettre::transport::smtp::Error>
    {
        use lettre::transport::smtp::client::{Certificate, CertificateStore, TlsParameters};
        let mut builder = TlsParameters::builder(host.to_owned())
            .certificate_store(CertificateStore::WebpkiRoots);
        for cert in self.extra.iter() {
            builder = builder.add_root_certificate(Certificate::from_der(cert.to_vec())?);
        }
        builder.build_rustls()
    }
}

/// Why a TLS connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The host is not a valid TLS server name.
    #[error("{0:?} is not a valid TLS server name")]
    ServerName(String),
    /// The TLS configuration could not be built.
    #[error("tls: {0}")]
    Config(#[from] rustls::Error),
    /// The handshake failed (the certificate was refused, the server hung up …).
    #[error("{}", describe_tls_error(.host, .source))]
    Handshake {
        /// The host we connected to.
        host: String,
        /// What failed.
        source: std::io::Error,
    },
}

/// A TLS client connection to `host` over `tcp`, verified against `trust` (host name
/// included).
pub async fn connect(
    trust: &TlsTrust,
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, TlsError> {
    let config = trust.client_config()?;
    let name =
        ServerName::try_from(host.to_owned()).map_err(|_| TlsError::ServerName(host.to_owned()))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    connector
        .connect(name, tcp)
        .await
        .map_err(|source| TlsError::Handshake {
            host: host.to_owned(),
            source,
        })
}

/// The rustls error inside an I/O error of a TLS stream, if that is what it is.
pub fn rustls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// A failed TLS handshake with `host`, in words an operator can act on.
pub fn describe_tls_error(host: &str, e: &std::io::Error) -> String {
    use rustls::CertificateError as C;
    let Some(rustls::Error::InvalidCertificate(c)) = rustls_error(e) else {
        return format!("the TLS handshake with {host} failed: {e}");
    };
    let why = match c {
        C::UnknownIssuer => format!(
            "its certificate is signed by an authority we do not trust (a private CA? add its \
             root certificate to tls_ca_file) ({c:?})"
        ),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            let names = match c {
                C::NotValidForNameContext { presented, .. } if !presented.is_empty() => {
                    let names: Vec<&str> = presented.iter().map(|p| bare_name(p)).collect();
                    format!(" (it is for {})", names.join(", "))
                }
                _ => String::new(),
            };
            format!("its certificate is not valid for the name {host}{names}")
        }
        C::Expired | C::ExpiredContext { .. } => "its certificate has expired".to_owned(),
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "its certificate is not valid yet (is this machine's clock right?)".to_owned()
        }
        C::Revoked => "its certificate has been revoked".to_owned(),
        other => format!("its certificate was refused ({other:?})"),
    };
    format!("the TLS handshake with {host} failed: {why}")
}

/// `localhost` of rustls's `DnsName("localhost")`, `127.0.0.1` of `IpAddress(127.0.0.1)`.
fn bare_name(presented: &str) -> &str {
    let inner = presented
        .strip_prefix("DnsName(")
        .or_else(|| presented.strip_prefix("IpAddress("))
        .and_then(|p| p.strip_suffix(')'));
    inner.map_or(presented, |p| p.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_certificates_is_refused_with_its_name() {
        let dir = std::env::temp_dir().join(format!("lossless-tls-{}", crate::random_hex(6)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let p = path.to_str().unwrap();
        let e = TlsTrust::with_ca_file(p).unwrap_err();
        assert!(e.contains(p) && e.contains("no certificate"), "{e}");
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = TlsTrust::with_ca_file(p).unwrap_err();
        assert!(e.contains("not a usable CA"), "{e}");
        let missing = dir.join("missing.pem");
        let e = TlsTrust::with_ca_file(missing.to_str().unwrap()).unwrap_err();
        assert!(e.contains("cannot read the CA file"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(TlsTrust::webpki().extra_roots(), 0);
        assert!(TlsTrust::webpki().root_store().len() > 100);
    }
}
