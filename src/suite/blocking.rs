//! The same runs for callers without an async runtime (a plain `#[test]`):
//! each call starts a tokio runtime of its own. Call these outside any
//! runtime; inside one, use the async methods.

use std::time::Duration;

use super::{Clients, Error, Report, Suite};

/// A runtime of our own; inside the caller's, a blocking call would panic
/// in tokio, so it is an error that says what to call instead.
fn runtime(called: &str, instead: &str) -> Result<tokio::runtime::Runtime, Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error(format!(
            "{called} was called inside a tokio runtime (a #[tokio::test]?); there, use {instead}(...).await"
        )));
    }
    tokio::runtime::Runtime::new().map_err(|e| Error(format!("cannot start a tokio runtime: {e}")))
}

impl Suite {
    /// [`run_against`](Suite::run_against), blocking.
    pub fn run_against_blocking(&self, url: &str) -> Result<Report, Error> {
        runtime("run_against_blocking", "run_against")?.block_on(self.run_against(url))
    }

    /// [`serve_clients`](Suite::serve_clients), blocking: the cases are
    /// served from a runtime of their own until the returned value is
    /// finished or dropped.
    pub fn serve_clients_blocking(&self, addr: &str) -> Result<BlockingClients, Error> {
        let rt = runtime("serve_clients_blocking", "serve_clients")?;
        let clients = rt.block_on(self.serve_clients(addr))?;
        Ok(BlockingClients { clients, rt })
    }
}

/// [`Clients`] served from a runtime of their own, for blocking callers.
pub struct BlockingClients {
    clients: Clients,
    rt: tokio::runtime::Runtime,
}

impl BlockingClients {
    /// The base URL to give a client driver, `ws://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.clients.url()
    }

    /// [`Clients::run_client`], blocking: `client` is called on this
    /// thread with each case's URL and must connect there and echo every
    /// text and binary message until the connection closes. The cases are
    /// served meanwhile from our runtime's threads, and each case closes
    /// its connection within its bound, so a client that returns when its
    /// connection closes returns in time. Returns when the client's last
    /// case has been judged.
    pub fn run_client(&self, agent: &str, mut client: impl FnMut(String)) {
        for (url, _) in self.clients.case_urls(agent) {
            client(url);
        }
        self.rt.block_on(self.clients.client_done(agent));
    }

    /// [`Clients::reports_requested`], blocking.
    pub fn reports_requested(&self, within: Duration) -> Result<String, Error> {
        self.rt.block_on(self.clients.reports_requested(within))
    }

    /// [`Clients::finish`], blocking.
    pub fn finish(self) -> Result<Report, Error> {
        let BlockingClients { clients, rt } = self;
        rt.block_on(clients.finish())
    }
}
