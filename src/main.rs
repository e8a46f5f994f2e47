use std::process::ExitCode;

fn main() -> ExitCode {
    wsspec::cli::main()
}
