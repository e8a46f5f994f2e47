//! The same runs for callers without an async runtime (a plain `#[test]`):
//! each call starts a tokio runtime of its own. Call these outside any
//! runtime; inside one, use the async methods.

use std::time::Duration;

use super::{Clients, Error, Report, Suite};

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Runtime::new().map_err(|e| Error(format!("cannot start a tokio runtime: {e}")))
}

impl Suite {
    /// [`run_against`](Suite::run_against), blocking.
    pub fn run_against_blocking(&self, url: &str) -> Result<Report, Error> {
        runtime()?.block_on(self.run_against(url))
    }

    /// [`serve_clients`](Suite::serve_clients), blocking: the cases are
    /// served from a runtime of their own until the returned value is
    /// finished or dropped.
    pub fn serve_clients_blocking(&self, addr: &str) -> Result<BlockingClients, Error> {
        let rt = runtime()?;
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
