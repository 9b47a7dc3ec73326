//! The `zinc` binary.

use std::process::ExitCode;

use clap::Parser;
use zinc_app::{Cli, Config, run, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Validated before anything starts: one line naming the variable, no backtrace.
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            // The variable, then what is wrong with its value (the error's chain).
            eprintln!(
                "zinc: configuration error: {}",
                zinc_app::commands::one_line(&error)
            );
            return ExitCode::from(zinc_app::ExitStatus::Failure.code());
        }
    };
    let default_level = match cli.command {
        // The long-running commands say what they do.
        zinc_app::cli::Command::Serve { .. } | zinc_app::cli::Command::Watch { .. } => {
            "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"
        }
        _ => "warn",
    };
    let _telemetry = telemetry::init(config.log_format, &config.sentry, default_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("zinc: cannot start the async runtime: {error}");
            return ExitCode::from(zinc_app::ExitStatus::Failure.code());
        }
    };
    let status = runtime.block_on(run(cli.command, &config));
    ExitCode::from(status.code())
}
