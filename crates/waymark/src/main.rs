//! `waymark`: the command line for running and administering Waymark.

mod admin;
mod bench;
mod config;
mod data;
mod demo;
mod demo_provision;
mod import;

use anyhow::Result;
use clap::{Parser, Subcommand};
use config::{SecureCookies, StoreArgs};
use std::net::SocketAddr;

/// Waymark: every pupil's journey through school and alternative provision, visible and measured.
#[derive(Parser)]
#[command(name = "waymark", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application.
    ///
    /// Opens (creating if needed) the database, runs its migrations, loads the encryption key and
    /// serves on --bind until Ctrl-C. The key's location must be given: --key-file (or
    /// WAYMARK_KEY_FILE), or the key itself in WAYMARK_KEY.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "WAYMARK_BIND")]
        bind: SocketAddr,
        /// Mark cookies Secure (HTTPS only) and send HSTS. Waymark is meant to be served over
        /// HTTPS, usually behind a TLS proxy on the same machine (so the bind address is loopback):
        /// `always` is the default for that reason. `never` only for a trial over plain HTTP;
        /// `auto` is secure unless bound to a loopback address.
        #[arg(long, value_enum, default_value_t = SecureCookies::Always, env = "WAYMARK_SECURE_COOKIES")]
        secure_cookies: SecureCookies,
        #[command(flatten)]
        passwords: config::PasswordArgs,
        /// A Get Information About Schools establishment register (`edubasealldata*.csv`): open AP
        /// settings with locations are drawn on the public map and listed on LA profiles.
        #[arg(long, env = "WAYMARK_ESTABLISHMENTS")]
        establishments: Option<std::path::PathBuf>,
    },
    /// Build a demo local authority (a real LA generated from its published figures: schools, a
    /// pupil referral unit, internal AP units, a few thousand pupils) with a sign-in for each
    /// role, print the sign-ins, and serve it with the national observatory at /explore.
    ///
    /// The demo's SQLite database and key live in --data-dir and are recreated on every run.
    /// With --database-url postgres://..., an empty database is filled and a previous demo reused.
    Demo {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// Folder for the demo's database and key.
        #[arg(long, default_value = "waymark-demo")]
        data_dir: std::path::PathBuf,
        /// Use this PostgreSQL database instead of a SQLite file in --data-dir.
        #[arg(long, env = "WAYMARK_DATABASE_URL")]
        database_url: Option<String>,
        /// The LA to generate: DfE number, ONS code or name.
        #[arg(long, default_value = "Rutland")]
        la: String,
        /// A GIAS establishment register to place AP settings on the map (as for `serve`).
        #[arg(long, env = "WAYMARK_ESTABLISHMENTS")]
        establishments: Option<std::path::PathBuf>,
    },
    /// Import a folder of the thirteen CSV templates (any subset; `docs/import-format.md`).
    ///
    /// Every cell and reference is checked first and every problem reported with its file, row,
    /// column and value; if any remain, nothing is written. Otherwise everything is written in
    /// one transaction: records already held are matched (pupils by UPN, records by setting and
    /// their own id) and updated only where they changed, so importing the same files again
    /// changes nothing. Runs as the command-line operator (full access, audited).
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// The folder holding settings.csv, pupils.csv, enrolments.csv, attendance.csv, …
        dir: std::path::PathBuf,
        /// Check and count everything, then write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Generate a synthetic LA-year (or all of England) in the import format, calibrated to DfE's
    /// published exclusion statistics; or check that calibration (`waymark synth check`).
    Synth(data::SynthArgs),
    /// Benchmarks that print figures (never pass/fail): `waymark bench synth`, `waymark bench import`.
    Bench {
        #[command(subcommand)]
        what: data::BenchCommand,
    },
    /// The public open data: rebuild the committed processed copy from DfE's raw files, or check
    /// that every published rate reproduces from its counts and that sources agree.
    Opendata {
        #[command(subcommand)]
        command: data::OpendataCommand,
    },
    /// Administration: accounts and the audit log.
    Admin {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WAYMARK_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    // Colour only for a person at a terminal: logs piped to a file or a service manager stay plain.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).init();
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logging();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve { store, bind, secure_cookies, passwords, establishments } => {
            let store = store.open_for_serve().await?.with_password_policy(passwords.policy())?;
            let config = waymark_web::WebConfig {
                secure_cookies: secure_cookies.resolve(bind),
                timeouts: Default::default(),
                establishments: config::establishments(establishments)?,
            };
            serve(store, config, bind).await
        }
        Command::Demo { bind, data_dir, database_url, la, establishments } => {
            let establishments = config::establishments(establishments)?;
            let store = demo::prepare(&data_dir, database_url.as_deref(), &la).await?;
            let config = waymark_web::WebConfig {
                secure_cookies: SecureCookies::Auto.resolve(bind),
                timeouts: Default::default(),
                establishments,
            };
            serve(store, config, bind).await
        }
        Command::Import { store, dir, dry_run } => {
            let store = store.open().await?;
            let counts = import::run(&store, &waymark_store::Caller::system("import"), &dir, dry_run).await?;
            if dry_run {
                println!("dry run: nothing was written");
            }
            println!("{counts}");
            Ok(())
        }
        Command::Admin { store, command } => admin::run(store.open().await?, command).await,
        Command::Synth(args) => data::synth(args),
        Command::Bench { what } => data::bench(what).await,
        Command::Opendata { command } => data::opendata(command),
    }
}

async fn serve(store: waymark_store::Store, config: waymark_web::WebConfig, bind: SocketAddr) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        anyhow::anyhow!(
            "could not listen on {bind}: {e} (is another program using that port? choose another with --bind)"
        )
    })?;
    println!("Waymark is serving at http://{}/ (Ctrl-C to stop)", listener.local_addr()?);
    waymark_web::serve_on(listener, store, config).await?;
    Ok(())
}
