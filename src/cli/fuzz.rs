//! `wsspec fuzz URL... [--seed N] [--time 60s | --count N] [--jobs N]
//! [--out DIR]`: generated conversations judged by the model of RFC 6455;
//! each one a server fails is shrunk and written as a case file.

use std::path::PathBuf;
use std::time::Duration;

use tabled::builder::Builder;

use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK, TrustArgs};
use crate::conversation::run::{Fuzzed, Plan};

#[derive(clap::Args)]
pub struct Args {
    /// The servers: one, or several to compare (differential mode).
    #[arg(required = true, value_name = "URL")]
    urls: Vec<String>,
    /// The seed: the same seed gives the same conversations, byte for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run this many conversations [default: as many as --time allows].
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Run for this long (60s, 5m) [default: 60s without --count].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    time: Option<Duration>,
    /// Conversations run at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    jobs: usize,
    /// Where findings are written, one case file each.
    #[arg(long, default_value = "reports/fuzz", value_name = "DIR")]
    out: PathBuf,
    /// Never offer permessage-deflate [default: offered, and messages
    /// compressed, when every server agrees to it].
    #[arg(long)]
    no_deflate: bool,
    #[command(flatten)]
    trust: TrustArgs,
}

pub async fn run(args: Args) -> Result<u8, BadInput> {
    let suite = args.trust.apply(crate::Suite::new());
    let servers = args
        .urls
        .iter()
        .map(|u| suite.server(u, None))
        .collect::<Result<Vec<_>, _>>()?;
    let plan = Plan {
        seed: args.seed,
        count: args.count,
        time: args.time.or(args.count.is_none().then_some(Duration::from_secs(60))),
        jobs: args.jobs,
        out: args.out.clone(),
        deflate: !args.no_deflate,
    };
    let bar = super::progress::spinner("conversations");
    let tick = |n: u64| bar.set_position(n);
    let fuzzed = suite.fuzz(&servers, &plan, &tick).await?;
    bar.finish_and_clear();
    say(&fuzzed, &plan);
    Ok(if fuzzed.findings.is_empty() && fuzzed.gone.is_none() {
        EXIT_OK
    } else {
        EXIT_FAILED_CASES
    })
}

/// The summary: counts, each finding, disagreements grouped by rule.
fn say(f: &Fuzzed, plan: &Plan) {
    println!(
        "{} conversations of seed {} in {:.1} s, {}: {} finding{}",
        f.conversations,
        plan.seed,
        f.took.as_secs_f64(),
        match (f.deflate, f.declined) {
            (false, _) => "without permessage-deflate".to_string(),
            (true, 0) => "with permessage-deflate".to_string(),
            (true, n) => format!("with permessage-deflate ({n} offers declined: not run)"),
        },
        f.findings.len(),
        if f.findings.len() == 1 { "" } else { "s" }
    );
    if let Some(g) = &f.gone {
        println!(
            "{} stopped taking connections after {} conversations ({}): the {} in flight may have brought it down, written as they are:",
            g.agent,
            g.after,
            g.why,
            g.suspects.len()
        );
        for s in &g.suspects {
            println!("  {} ({} frames, {})", s.file.display(), s.frames.0, s.rule.name());
        }
    }
    if !f.findings.is_empty() {
        let mut b = Builder::default();
        b.push_record(["Agent", "Case", "Rule", "Frames", "Also from", "File"]);
        for x in &f.findings {
            b.push_record([
                x.agent.clone(),
                x.id.clone(),
                x.rule.name().to_string(),
                format!("{} → {}", x.frames.0, x.frames.1),
                match x.also.len() {
                    0 => String::new(),
                    n => format!("{n} more conversations"),
                },
                x.file.display().to_string(),
            ]);
        }
        println!("{}", b.build().with(tabled::settings::Style::rounded()));
        println!(
            "replay: wsspec test-server URL --cases-dir {} --cases 'fuzz.*'",
            plan.out.display()
        );
    }
    if !f.disagreements.is_empty() {
        let mut by_rule: std::collections::BTreeMap<_, Vec<_>> = Default::default();
        for d in &f.disagreements {
            by_rule.entry(d.rule).or_default().push(d);
        }
        let mut b = Builder::default();
        b.push_record(["Rule", "Conversations", "First", "Verdicts"]);
        for (rule, ds) in by_rule {
            let first = ds[0];
            let verdicts: Vec<String> = first.verdicts.iter().map(|(a, v, c)| format!("{a}: {v}/{c}")).collect();
            b.push_record([
                rule.name().to_string(),
                ds.len().to_string(),
                first.id.clone(),
                verdicts.join(", "),
            ]);
        }
        println!(
            "Where the servers disagree:\n{}",
            b.build().with(tabled::settings::Style::rounded())
        );
    }
}
