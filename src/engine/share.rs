//! Who else exchanges data with the peer while a case runs.
//!
//! Autobahn runs one case at a time, so its verdicts are what a peer does
//! with one connection. We run many cases at once and keep Autobahn's
//! verdicts by knowing, for every case, whether it had the peer to itself.
//!
//! - A connection is *busy* from its connect to its end, except while it
//!   is quiet: its script only waits out a pause (`Until::Bound`: the 6.4.x
//!   cases' seconds of silence), or its events already differ from every
//!   expected sequence and only a kill or close timer remains. A quiet
//!   connection sends nothing and is owed nothing, so the peer spends
//!   nothing on it. That lets the four 6.4.x watchers cost two seconds in
//!   all rather than eight, and a peer that fails many cases with a 10 s
//!   kill timer (1.1.6-1.1.8, 10.1.1) hold up no lone case.
//! - A case run with others is busy under a shared turn. A case that must
//!   run alone (timed 9.x, the races between an echo and a failure, the
//!   6.4.x watchers, and a confirmation) is busy under an exclusive one,
//!   from its connect on: a connection left open and idle beside a busy one
//!   can upset a peer (libwebsockets 4.1.6 then stalled both, 9.1.4 and
//!   13.6.6 FAILED), so a lone case does not connect ahead of its turn.
//! - Turns go in the order they are asked for: an exclusive turn goes
//!   before shared ones asked for later, and after those asked for first
//!   (else a chain of lone cases would starve a shared case that came
//!   before them). A case back from a pause goes before everyone not yet
//!   busy and waits only for those busy now, so its pause lasts what its
//!   script says.
//! - Our own writes after a pause wait for the turn again. An answer to the
//!   peer (it closed during our pause) does not wait: holding back a close
//!   reply would change the close's verdict. Such an answer may overlap an
//!   exclusive turn, and is then recorded as any overlap is.
//! - A run holds at most `jobs` connections that are busy or pausing (a
//!   *slot* each). A connection whose `behavior` is decided gives its slot
//!   back: it only waits for a timer to see how the peer closes, and a peer
//!   that fails a hundred cases would otherwise keep every slot waiting.
//!   The schedule keeps at most three times as many decided connections
//!   open besides (`schedule::DECIDED_OPEN`).
//! - Every busy stretch that overlaps another's marks both cases crowded at
//!   that instant. A case never crowded, or not in the last `LONE_STRETCH`
//!   of its run, had the peer to itself: its verdict is a lone verdict.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// How long a case must have had the peer to itself at the end of its run
/// for its verdict to count as a lone one although it was crowded earlier:
/// twice the one-second timers most cases give a peer. A peer left alone
/// that long with a case and still silent is not slowed by the others.
pub const LONE_STRETCH: Duration = Duration::from_secs(2);

/// The peer's time, shared by the cases of one run.
pub struct Share {
    gate: Mutex<Gate>,
    gate_moved: Notify,
    state: Mutex<Crowd>,
    /// Connections busy or pausing (not decided): `jobs` at most.
    slots: Arc<Semaphore>,
}

/// A place among the `jobs` connections busy or pausing at once.
pub type Slot = OwnedSemaphorePermit;

/// Who holds a turn, and who waits for one.
#[derive(Default)]
struct Gate {
    shared: usize,
    exclusive: bool,
    /// Tickets are handed out in the order turns are asked for.
    next_ticket: u64,
    /// The tickets of those waiting, by the turn they wait for.
    waiting_shared: BTreeSet<u64>,
    waiting_exclusive: BTreeSet<u64>,
    /// Cases back from a pause waiting for an exclusive turn: they go
    /// before everyone not yet busy.
    waiting_resume: usize,
}

impl Gate {
    fn may_take(&self, exclusive: bool, resuming: bool, ticket: u64) -> bool {
        let first = |waiting: &BTreeSet<u64>| waiting.first().is_none_or(|&t| t > ticket);
        !self.exclusive
            && match (exclusive, resuming) {
                (false, _) => first(&self.waiting_exclusive) && self.waiting_resume == 0,
                (true, true) => self.shared == 0,
                (true, false) => {
                    self.shared == 0
                        && self.waiting_resume == 0
                        && first(&self.waiting_shared)
                        && first(&self.waiting_exclusive)
                }
            }
    }

    /// Marks a turn asked for and not yet given as waiting, or no longer.
    fn wait(&mut self, exclusive: bool, resuming: bool, ticket: u64, waiting: bool) {
        if resuming {
            self.waiting_resume = if waiting {
                self.waiting_resume + 1
            } else {
                self.waiting_resume - 1
            };
            return;
        }
        let set = if exclusive {
            &mut self.waiting_exclusive
        } else {
            &mut self.waiting_shared
        };
        if waiting {
            set.insert(ticket);
        } else {
            set.remove(&ticket);
        }
    }
}

#[derive(Default)]
struct Crowd {
    next: usize,
    /// Connections busy now.
    busy: Vec<usize>,
    /// The last instant each connection was busy alongside another.
    crowded: HashMap<usize, Instant>,
}

impl Crowd {
    /// Marks `me` and every other busy connection crowded now, if any is.
    fn mark(&mut self, me: usize) {
        if self.busy.iter().all(|&b| b == me) {
            return;
        }
        let now = Instant::now();
        for &b in &self.busy {
            self.crowded.insert(b, now);
        }
        self.crowded.insert(me, now);
    }
}

/// One case's hold on the peer: busy or pausing, shared or exclusive.
pub struct Turn {
    share: Arc<Share>,
    id: usize,
    /// Whether the case runs alone once its connection is open.
    lone: bool,
    /// The kind of turn held now, if one is (`true`: exclusive).
    held: Option<bool>,
    /// Whether it has had a turn (a later one is a resume).
    started: bool,
    busy: bool,
    /// Its slot among the `jobs` connections, until `behavior` is decided.
    slot: Option<Slot>,
}

/// Whether a finished case had company.
#[derive(Clone, Copy, Debug)]
pub struct Company {
    /// The last instant another connection was busy while this one was.
    pub crowded_until: Option<Instant>,
    /// When the case ended.
    pub ended: Instant,
}

impl Company {
    /// A case that never shared the peer (the client role, a lone retry).
    pub fn none() -> Company {
        Company {
            crowded_until: None,
            ended: Instant::now(),
        }
    }

    /// Whether the case had the peer to itself (see the module note).
    pub fn alone(&self) -> bool {
        self.crowded_until
            .is_none_or(|t| self.ended.saturating_duration_since(t) >= LONE_STRETCH)
    }
}

impl Share {
    /// The share of a run that holds at most `jobs` busy connections.
    pub fn new(jobs: usize) -> Arc<Share> {
        Arc::new(Share {
            gate: Mutex::default(),
            gate_moved: Notify::new(),
            state: Mutex::default(),
            slots: Arc::new(Semaphore::new(jobs.max(1))),
        })
    }

    /// Waits for a slot, taken before the connection opens (slots are
    /// handed out in the order they are asked for).
    pub async fn slot(&self) -> Slot {
        self.slots
            .clone()
            .acquire_owned()
            .await
            .expect("the slots are never closed")
    }

    fn crowd(&self) -> std::sync::MutexGuard<'_, Crowd> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn gate(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a turn (see the module note for who goes first).
    async fn take(&self, exclusive: bool, resuming: bool) {
        let ticket = {
            let mut g = self.gate();
            g.next_ticket += 1;
            g.next_ticket
        };
        let mut queued = false;
        loop {
            let moved = self.gate_moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            {
                let mut g = self.gate();
                if queued {
                    g.wait(exclusive, resuming, ticket, false);
                }
                if g.may_take(exclusive, resuming, ticket) {
                    if exclusive {
                        g.exclusive = true;
                    } else {
                        g.shared += 1;
                    }
                    drop(g);
                    // Those waiting behind this ticket may go now.
                    self.gate_moved.notify_waiters();
                    return;
                }
                g.wait(exclusive, resuming, ticket, true);
                queued = true;
            }
            moved.await;
        }
    }

    fn give_back(&self, exclusive: bool) {
        {
            let mut g = self.gate();
            if exclusive {
                g.exclusive = false;
            } else {
                g.shared -= 1;
            }
        }
        self.gate_moved.notify_waiters();
    }

    /// A turn for a new connection in `slot`, exclusive for a `lone` case,
    /// busy once granted.
    pub async fn enter(self: &Arc<Share>, lone: bool, slot: Option<Slot>) -> Turn {
        let id = {
            let mut c = self.crowd();
            c.next += 1;
            c.next
        };
        let mut turn = Turn {
            share: self.clone(),
            id,
            lone,
            held: None,
            started: false,
            busy: false,
            slot,
        };
        turn.resume().await;
        turn
    }
}

impl Turn {
    /// Busy again for our own writes: waits for the turn.
    pub async fn resume(&mut self) {
        if self.held.is_none() {
            let exclusive = self.lone;
            self.share.take(exclusive, self.started).await;
            self.held = Some(exclusive);
            self.started = true;
        }
        self.set_busy(true);
    }

    /// Busy at once, to answer the peer: no wait for the turn.
    pub fn answer(&mut self) {
        self.set_busy(true);
    }

    /// The peer sent something while we were quiet: whoever is busy now
    /// shared the peer with us for that moment.
    pub fn touch(&mut self) {
        if !self.busy {
            self.set_busy(true);
            self.set_busy(false);
        }
    }

    /// Only waiting out a pause: quiet, and the turn is free for others.
    pub fn pause(&mut self) {
        self.set_busy(false);
        if let Some(exclusive) = self.held.take() {
            self.share.give_back(exclusive);
        }
    }

    /// `behavior` is decided and only timers remain: quiet, and the slot
    /// goes to a case not yet started.
    pub fn decided(&mut self) {
        self.pause();
        self.slot = None;
    }

    fn set_busy(&mut self, busy: bool) {
        if self.busy == busy {
            return;
        }
        self.busy = busy;
        let mut c = self.share.crowd();
        // An overlap ends when either side stops: mark it then as well as
        // when it starts, so `crowded_until` is the overlap's last instant.
        c.mark(self.id);
        if busy {
            c.busy.push(self.id);
        } else {
            c.busy.retain(|&b| b != self.id);
        }
    }

    /// The case is over: what company it had.
    pub fn leave(mut self) -> Company {
        self.pause();
        let crowded_until = self.share.crowd().crowded.get(&self.id).copied();
        Company {
            crowded_until,
            ended: Instant::now(),
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        // A case cut short (a panic in its task) must not keep its turn.
        self.pause();
        self.share.crowd().crowded.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn overlapping_busy_stretches_crowd_both_and_pauses_do_not() {
        let share = Share::new(4);
        let mut a = share.enter(false, None).await;
        a.pause();
        let b = share.enter(false, None).await;
        let b = b.leave();
        assert!(b.crowded_until.is_none(), "a pausing connection is quiet");
        a.resume().await;
        let c = share.enter(false, None).await;
        let (c, a) = (c.leave(), a.leave());
        assert!(c.crowded_until.is_some() && a.crowded_until.is_some());
        assert!(!c.alone() && !a.alone());
    }

    /// A chain of lone cases must not starve a shared case that asked
    /// for its turn before them.
    #[tokio::test]
    async fn a_shared_turn_asked_first_goes_before_a_later_exclusive_one() {
        let share = Share::new(4);
        let holder = share.enter(true, None).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let (s, o) = (share.clone(), order.clone());
        let shared = tokio::spawn(async move {
            let t = s.enter(false, None).await;
            o.lock().unwrap().push("shared");
            tokio::time::sleep(Duration::from_millis(10)).await;
            t.leave()
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        let (s, o) = (share.clone(), order.clone());
        let lone = tokio::spawn(async move {
            let t = s.enter(true, None).await;
            o.lock().unwrap().push("lone");
            t.leave()
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        let _ = holder.leave();
        let (_, _) = (shared.await.unwrap(), lone.await.unwrap());
        assert_eq!(*order.lock().unwrap(), ["shared", "lone"]);
    }

    #[tokio::test]
    async fn an_exclusive_turn_waits_for_shared_ones_and_holds_new_ones_back() {
        let share = Share::new(4);
        let a = share.enter(false, None).await;
        let s = share.clone();
        let lone = tokio::spawn(async move { s.enter(true, None).await.leave() });
        tokio::task::yield_now().await;
        let s = share.clone();
        let later = tokio::spawn(async move { s.enter(false, None).await.leave() });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!lone.is_finished() && !later.is_finished());
        let _ = a.leave();
        let lone = lone.await.unwrap();
        assert!(lone.alone(), "{lone:?}");
        assert!(later.await.unwrap().alone());
    }
}
