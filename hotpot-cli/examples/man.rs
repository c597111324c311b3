//! Writes the man pages of `hotpot` and of each subcommand (`hotpot.1`, `hotpot-send.1`, ...)
//! into the directory given (default `target/man`): `make man` runs it.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/man"), PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    clap_mangen::generate_to(hotpot_cli::command(), &dir)?;
    println!("man pages written to {}", dir.display());
    Ok(())
}
