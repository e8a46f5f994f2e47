//! TLS for `wss://`, on rustls: the client side (system roots and the
//! webpki-roots bundle, a private CA, or no verification at all for
//! development servers), the server side (a PEM certificate and key, or a
//! certificate for localhost made on the spot with its own CA), and the
//! connection type the engine drives, plain TCP or TLS alike.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// rustls on *ring*: it builds with no C toolchain beyond `cc` and keeps
/// the build light. rustls 0.23.48 deprecates it for lacking post-quantum
/// key exchange, which a conformance run on loopback or a test network
/// does not need; the allowance is here, once.
#[allow(deprecated)]
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A connection: plain TCP, or TLS over TCP in either role.
pub enum Stream {
    Plain(TcpStream),
    Client(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    Server(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// A WebSocket over HTTP/2 (RFC 8441): one stream of a connection.
    Http2(Box<crate::http2::WsStream>, Option<String>),
}

impl Stream {
    /// The TCP socket underneath (for socket options): none for an HTTP/2
    /// stream, whose connection HTTP/2 holds.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Stream::Plain(s) => Some(s),
            Stream::Client(s) => Some(s.get_ref().0),
            Stream::Server(s) => Some(s.get_ref().0),
            Stream::Http2(..) => None,
        }
    }

    /// "TLS 1.3, TLS13_AES_128_GCM_SHA256" for a TLS connection.
    /// How the bytes travel, for the per-case files: `HTTP/1.1`, `HTTP/1.1
    /// over TLS`, or an RFC 8441 stream with its ID.
    pub fn transport(&self) -> String {
        match self {
            Stream::Plain(_) => "HTTP/1.1".into(),
            Stream::Client(_) | Stream::Server(_) => "HTTP/1.1 over TLS".into(),
            Stream::Http2(ws, tls) => format!(
                "HTTP/2 {}, stream {}, RFC 8441 extended CONNECT",
                if tls.is_some() {
                    "over TLS (ALPN h2)"
                } else {
                    "cleartext (h2c, prior knowledge)"
                },
                ws.stream_id()
            ),
        }
    }

    pub fn tls_summary(&self) -> Option<String> {
        let (version, suite) = match self {
            Stream::Plain(_) => return None,
            Stream::Http2(_, tls) => return tls.clone(),
            Stream::Client(s) => (
                s.get_ref().1.protocol_version(),
                s.get_ref().1.negotiated_cipher_suite(),
            ),
            Stream::Server(s) => (
                s.get_ref().1.protocol_version(),
                s.get_ref().1.negotiated_cipher_suite(),
            ),
        };
        Some(session_summary(version, suite))
    }

    /// Reading and writing halves that can be used apart (plain TCP
    /// without a lock).
    pub fn split(self) -> (Box<dyn AsyncRead + Send + Unpin>, Box<dyn AsyncWrite + Send + Unpin>) {
        match self {
            Stream::Plain(s) => {
                let (r, w) = s.into_split();
                (Box::new(r), Box::new(w))
            }
            other => {
                let (r, w) = tokio::io::split(other);
                (Box::new(r), Box::new(w))
            }
        }
    }
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            Stream::Plain($s) => $e,
            Stream::Client($s) => $e,
            Stream::Server($s) => $e,
            Stream::Http2($s, _) => $e,
        }
    };
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        each!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        each!(self, s => Pin::new(s).poll_write(cx, buf))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, s => Pin::new(s).poll_flush(cx))
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}

/// "TLS 1.3, TLS13_AES_128_GCM_SHA256": a session's version and suite.
pub fn session_summary(
    version: Option<rustls::ProtocolVersion>,
    suite: Option<rustls::SupportedCipherSuite>,
) -> String {
    let version = match version {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
        Some(v) => format!("{v:?}"),
        None => "TLS".to_string(),
    };
    match suite {
        Some(s) => format!("{version}, {:?}", s.suite()),
        None => version,
    }
}

/// Writes `bytes` and flushes. Over TLS a write may leave the last records
/// in rustls' buffer until the next write or a flush: a message's tail
/// would wait there while the peer waits for it.
pub async fn send<W: AsyncWrite + Unpin + ?Sized>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    w.write_all(bytes).await?;
    w.flush().await
}

/// How a `wss://` server's certificate is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Trust {
    /// The system's roots and the webpki-roots bundle.
    #[default]
    Roots,
    /// Only the CA certificates in this PEM file.
    Ca(PathBuf),
    /// Nothing: any certificate, any name (development servers).
    Insecure,
}

/// The client configuration for `trust`, ALPN `http/1.1`.
pub fn client_config(trust: &Trust) -> Result<Arc<ClientConfig>, String> {
    static ROOTS: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if *trust == Trust::Roots
        && let Some(c) = ROOTS.get()
    {
        return Ok(c.clone());
    }
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let mut config = match trust {
        Trust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider())))
            .with_no_client_auth(),
        Trust::Roots => {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            // A system without a certificate store still has the bundle.
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(c);
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::Ca(path) => {
            let given = read_certs(path)?;
            let mut roots = RootCertStore::empty();
            for c in &given {
                roots
                    .add(c.clone())
                    .map_err(|e| format!("{}: not a CA certificate rustls can use ({e})", path.display()))?;
            }
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(GivenCertificates { webpki, given }))
                .with_no_client_auth()
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let config = Arc::new(config);
    if *trust == Trust::Roots {
        let _ = ROOTS.set(config.clone());
    }
    Ok(config)
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate file ({e})", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: holds no PEM certificate", path.display()));
    }
    Ok(certs)
}

/// Connects TLS over `tcp` to `host` (SNI), within the caller's bound.
pub async fn connect(config: Arc<ClientConfig>, host: &str, tcp: TcpStream) -> Result<Stream, String> {
    connect_raw(config, host, tcp)
        .await
        .map(|s| Stream::Client(Box::new(s)))
}

/// The TLS client handshake, with the stream as rustls gives it (HTTP/2
/// reads the ALPN outcome from it).
pub async fn connect_raw(
    config: Arc<ClientConfig>,
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    let name = ServerName::try_from(host.to_string()).map_err(|e| format!("{host} is not a TLS server name ({e})"))?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| describe(&e))
}

/// A TLS failure in words a user acts on.
fn describe(e: &io::Error) -> String {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(c)) => {
            let what = match c {
                rustls::CertificateError::UnknownIssuer => {
                    "its certificate is signed by a CA we do not trust (give it with --ca FILE, or --insecure for a development server)".to_string()
                }
                rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. } => {
                    "its certificate is not valid for this host name".to_string()
                }
                rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. } => {
                    "its certificate has expired".to_string()
                }
                rustls::CertificateError::NotValidYet | rustls::CertificateError::NotValidYetContext { .. } => {
                    "its certificate is not valid yet".to_string()
                }
                rustls::CertificateError::Revoked => "its certificate has been revoked".to_string(),
                rustls::CertificateError::BadSignature => {
                    "its certificate is not correctly signed by its issuer".to_string()
                }
                rustls::CertificateError::Other(o) if is_ca_as_end_entity(o) => {
                    "its certificate is a CA certificate (CA:TRUE) and was not signed by another CA we trust; give that very certificate with --ca to trust it as the server's own".to_string()
                }
                other => format!("its certificate is not valid ({other})"),
            };
            format!("TLS handshake failed: {what}")
        }
        Some(other) => format!("TLS handshake failed: {other}"),
        None if e.kind() == io::ErrorKind::UnexpectedEof => {
            "TLS handshake failed: the server closed the connection (is it a plain ws:// server?)".into()
        }
        None => format!("TLS handshake failed: {e}"),
    }
}

/// The server configuration from PEM files.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let certs = read_certs(cert)?;
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: not a PEM private key ({e})", key.display()))?;
    build_server(certs, key)
}

fn build_server(certs: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<Arc<ServerConfig>, String> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate and key do not make a TLS server ({e})"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(feature = "cli")]
/// A server configuration for `localhost` and 127.0.0.1 with a fresh CA
/// (rcgen); the CA's certificate is written to `ca_file` in PEM, for the
/// client under test to trust.
pub fn self_signed(ca_file: &Path) -> Result<Arc<ServerConfig>, String> {
    let fail = |e: rcgen::Error| format!("cannot make a certificate: {e}");
    let ca_key = rcgen::KeyPair::generate().map_err(fail)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "wsspec test CA");
    let ca_cert = ca_params.self_signed(&ca_key).map_err(fail)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().map_err(fail)?;
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).map_err(fail)?;
    let cert = params.signed_by(&key, &issuer).map_err(fail)?;
    std::fs::write(ca_file, ca_cert.pem()).map_err(|e| format!("{}: cannot write the CA ({e})", ca_file.display()))?;
    let key = PrivateKeyDer::try_from(key.serialize_der()).map_err(|e| format!("cannot use the key: {e}"))?;
    build_server(vec![cert.der().clone()], key)
}

/// Accepts TLS on `tcp`, within the caller's bound.
pub async fn accept(config: Arc<ServerConfig>, tcp: TcpStream) -> io::Result<Stream> {
    tokio_rustls::TlsAcceptor::from(config)
        .accept(tcp)
        .await
        .map(|s| Stream::Server(Box::new(s)))
}

/// Whether webpki refused a CA certificate presented as the server's own.
fn is_ca_as_end_entity(o: &rustls::OtherError) -> bool {
    matches!(
        o.0.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}

/// `--ca FILE`: the CAs in FILE, checked as webpki checks them; and a
/// certificate of FILE that the server presents as its own, though it is
/// a CA certificate (a self-signed `CA:TRUE` one, as `openssl req -x509`
/// makes by default), trusted as curl, Python and Node trust it: it must
/// be valid for the host name, and it signs the handshake.
#[derive(Debug)]
struct GivenCertificates {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    given: Vec<CertificateDer<'static>>,
}

impl rustls::client::danger::ServerCertVerifier for GivenCertificates {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self
            .webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o)))
                if is_ca_as_end_entity(&o) && self.given.iter().any(|c| c.as_ref() == end_entity.as_ref()) =>
            {
                let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
                rustls::client::verify_server_name(&cert, server_name)?;
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// `--insecure`: accepts any certificate for any name, but still checks
/// that the handshake is signed by the certificate's key.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
