//! `Suite::fuzz`: generated conversations against servers (the
//! `conversation` module), each server probed first as test-server probes.

use super::{Error, ServerUnderTest, Suite};
use crate::conversation::run::{self, Fuzzed, Peer, Plan};

impl Suite {
    /// Runs `plan`'s conversations against `servers`, judged by the model
    /// of RFC 6455; a server that does not answer a probe is an [`Error`]
    /// naming it, before anything runs. `tick` is told each conversation done.
    pub async fn fuzz(
        &self,
        servers: &[ServerUnderTest],
        plan: &Plan,
        tick: &(dyn Fn(u64) + Sync),
    ) -> Result<Fuzzed, Error> {
        let opts = self.session_options()?;
        let mut peers = Vec::with_capacity(servers.len());
        for s in servers {
            let agent = super::servers::probe(&s.target, s.agent.as_deref(), opts.open_timeout).await?;
            peers.push(Peer {
                target: s.target.clone(),
                agent,
            });
        }
        run::fuzz(&peers, plan, &opts, tick).await.map_err(Error)
    }
}
