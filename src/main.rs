use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = nullsight::cli::Cli::parse();
    match nullsight::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("nullsight: error: {err:#}");
            std::process::ExitCode::from(nullsight::cli::EXIT_FAILURE)
        }
    }
}
