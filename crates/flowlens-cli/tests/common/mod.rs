//! What the CLI's integration tests share: the binary in an environment that cannot change
//! its output, and a finished run's exit code and text.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::process::Output;

use assert_cmd::Command;

/// The binary with an environment that cannot change its output.
pub fn flowlens() -> Command {
    let mut cmd = Command::cargo_bin("flowlens").expect("the binary is built");
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM", "COLUMNS"] {
        cmd.env_remove(var);
    }
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn exec(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
