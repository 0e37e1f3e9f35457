//! Running the real binary from the integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// The `waymark` binary in `dir`, with no database or key taken from the environment.
pub fn waymark(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_waymark"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("WAYMARK_DATABASE_URL")
        .env_remove("WAYMARK_KEY")
        .env("WAYMARK_LOG", "warn");
    cmd
}

/// Everything the command printed.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}
