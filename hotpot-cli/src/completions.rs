//! `hotpot completions SHELL`: clap_complete's script, completed where its static scripts
//! fall short. zsh completes `hotpot run -- COMMAND [ARGS...]` from the value hint
//! (`_cmdambivalent`); bash and fish scripts get the command completion added here, as
//! `sudo` and `time` have it.

use clap_complete::Shell;

/// The completion script for `shell`.
pub(crate) fn script(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut crate::command(), "hotpot", &mut out);
    let script = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => bash(&script),
        Shell::Fish => format!("{script}{FISH_RUN}"),
        _ => script,
    }
}

/// After `hotpot run ... --`, bash completes a command and its arguments (bash-completion's
/// `_command_offset` where it is loaded, command names otherwise); clap's `_hotpot` does the
/// rest.
const BASH_RUN: &str = r#"
_hotpot_run_command() {
    local i seen_run=0
    for (( i = 1; i < COMP_CWORD; i++ )); do
        if [[ ${COMP_WORDS[i]} == "run" ]]; then
            seen_run=1
        elif [[ $seen_run == 1 && ${COMP_WORDS[i]} == "--" ]]; then
            if declare -F _command_offset >/dev/null; then
                _command_offset $(( i + 1 ))
            else
                COMPREPLY=( $(compgen -c -- "${COMP_WORDS[COMP_CWORD]}") )
            fi
            return 0
        fi
    done
    _hotpot "$@"
}
"#;

/// bash: [`BASH_RUN`] before the registration, which then names it.
fn bash(script: &str) -> String {
    let Some(at) = script.find("\nif [[ \"${BASH_VERSINFO[0]}\"") else {
        return script.to_owned();
    };
    let (functions, registration) = script.split_at(at);
    format!(
        "{functions}\n{BASH_RUN}{}",
        registration.replace("complete -F _hotpot ", "complete -F _hotpot_run_command ")
    )
}

/// fish: after `hotpot run ... --`, command names.
const FISH_RUN: &str = "complete -c hotpot -n \"__fish_hotpot_using_subcommand run; and \
contains -- -- (commandline -opc)\" -f -a \"(__fish_complete_command)\"\n";
