//! `zinc keys create|list|revoke|generate`: the API keys.

use std::sync::Arc;

use anyhow::Context;
use tracing::{info, warn};
use zinc_application::KeyRing;
use zinc_domain::{KEY_RANDOM_BYTES, KeyName, KeySecret};
use zinc_ports::{ApiKeys, CreateKeyError, NewApiKey};
use zinc_postgres::{PostgresApiKeys, database};

use super::database::{Missing, open_database};
use super::exit::ExitStatus;
use crate::cli::KeysAction;
use crate::config::Config;

/// The name of the key `ZINC_BOOTSTRAP_KEY` provisions.
pub const BOOTSTRAP_KEY_NAME: &str = "bootstrap";

pub(super) async fn run(config: &Config, action: KeysAction) -> anyhow::Result<ExitStatus> {
    if let KeysAction::Generate = action {
        // Nothing stored: a key for ZINC_BOOTSTRAP_KEY (docker compose, Kubernetes secrets).
        println!("{}", KeySecret::from_random(random_bytes()?).expose());
        return Ok(ExitStatus::Success);
    }
    let missing = match action {
        KeysAction::List => Missing::Refuse,
        _ => Missing::Create,
    };
    let db = open_database(config, missing).await?;
    if missing == Missing::Create {
        database::migrate_up(&db)
            .await
            .context("applying migrations")?;
    }
    let ring = KeyRing::new(PostgresApiKeys::new(db).with_reply_timeout(config.reply_timeout()));
    match action {
        KeysAction::Create { name, scope } => {
            match ring.create(name, scope.into(), random_bytes()?).await {
                Ok((key, secret)) => {
                    println!(
                        "Created the {} key {}. It is shown once, on the next line; store it now:",
                        key.scope, key.name
                    );
                    println!("{}", secret.expose());
                    Ok(ExitStatus::Success)
                }
                Err(CreateKeyError::Duplicate(name)) => {
                    eprintln!("zinc: a key named {name} exists already (names are never reused)");
                    Ok(ExitStatus::Rejected)
                }
                Err(CreateKeyError::Store(error)) => Err(error).context("creating the key"),
            }
        }
        KeysAction::List => {
            let keys = ring.list().await.context("listing the keys")?;
            if keys.is_empty() {
                println!(
                    "No API keys: zinc serve is open on a loopback address, and refuses any other \
                     unless ZINC_ALLOW_ANONYMOUS=true."
                );
            }
            println!(
                "{:<24} {:<6} {:<20} {:<20} status",
                "name", "scope", "created", "last used"
            );
            let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(
                    || "never".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M").to_string(),
                )
            };
            for key in keys {
                let status = match key.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                    None => "active".to_owned(),
                };
                println!(
                    "{:<24} {:<6} {:<20} {:<20} {status}",
                    key.name.as_str(),
                    key.scope.as_str(),
                    when(Some(key.created_at)),
                    when(key.last_used_at),
                );
            }
            Ok(ExitStatus::Success)
        }
        KeysAction::Revoke { name } => {
            if ring.revoke(&name).await.context("revoking the key")? {
                println!(
                    "Revoked the key {name}; running servers refuse it within {} s.",
                    zinc_application::UNHEARD_KEY_CACHE_TTL.as_secs()
                );
                Ok(ExitStatus::Success)
            } else {
                eprintln!("zinc: no active key named {name}");
                Ok(ExitStatus::Rejected)
            }
        }
        KeysAction::Generate => unreachable!("handled above"),
    }
}

fn random_bytes() -> anyhow::Result<[u8; KEY_RANDOM_BYTES]> {
    let mut bytes = [0; KEY_RANDOM_BYTES];
    getrandom::fill(&mut bytes).context("no randomness for a key")?;
    Ok(bytes)
}

/// Makes sure the key `secret` exists as the write key `bootstrap` (created if no key has that
/// name; a revoked or different `bootstrap` key is left as the operator made it).
pub(super) async fn ensure_bootstrap_key(
    keys: Arc<dyn ApiKeys>,
    secret: &KeySecret,
) -> anyhow::Result<()> {
    let name = KeyName::parse(BOOTSTRAP_KEY_NAME).expect("a valid key name");
    let created = keys
        .create_key(&NewApiKey {
            name,
            scope: zinc_domain::KeyScope::Write,
            digest: secret.digest(),
            created_at: chrono::Utc::now(),
        })
        .await;
    match created {
        Ok(_) => {
            info!("created the write key 'bootstrap' from ZINC_BOOTSTRAP_KEY");
            Ok(())
        }
        Err(CreateKeyError::Duplicate(_)) => {
            if keys
                .find_active_key(&secret.digest())
                .await
                .context("checking the bootstrap key")?
                .is_none()
            {
                warn!(
                    "ZINC_BOOTSTRAP_KEY is not the stored 'bootstrap' key (it differs, or it was \
                     revoked): the stored one is kept and this value opens nothing; create \
                     named keys with 'zinc keys create' instead"
                );
            }
            Ok(())
        }
        Err(CreateKeyError::Store(error)) => Err(error).context("creating the bootstrap key"),
    }
}
