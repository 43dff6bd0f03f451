//! `earshot completions` and `earshot man`: generated from the clap
//! definitions, so every command is in them.

use crate::util::{earshot, text};

/// The visible subcommands, as `earshot --help` lists them.
fn subcommands() -> Vec<String> {
    let out = earshot().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    let names: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .unwrap_or_else(|| panic!("no command list in:\n{help}"))
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|n| n != "help")
        .collect();
    for expected in ["crawl", "run", "mentions", "report", "completions", "man"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    names
}

#[test]
fn bash_completion_names_every_subcommand() {
    let out = earshot().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    assert!(script.contains("complete -F _earshot"), "{script}");
    // The bash script lists each level's words in an `opts="..."` line;
    // the top level's names every subcommand.
    let top = script
        .lines()
        .find(|l| l.contains("opts=\"") && l.contains("mentions"))
        .unwrap_or_else(|| panic!("no top-level word list in:\n{script}"));
    for name in subcommands() {
        assert!(
            top.split(['"', ' ']).any(|w| w == name),
            "`{name}` missing from {top}"
        );
    }
    // The other shells work too; an unknown one is a usage error.
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = earshot().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("mentions"), "{shell}");
    }
    let out = earshot().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_page_is_roff_that_renders_and_names_every_subcommand() {
    let out = earshot().arg("man").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let roff = text(&out.stdout);
    assert!(
        roff.starts_with(".ie \\n(.g .ds Aq") || roff.contains("\n.TH earshot 1"),
        "{roff}"
    );
    assert!(roff.contains(".TH earshot 1"), "{roff}");
    let names = subcommands();
    for name in &names {
        assert!(
            roff.contains(&format!("earshot\\-{}", name.replace('-', "\\-"))),
            "{name} missing"
        );
    }
    // Rendered by groff where it is installed: the text a reader sees.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("earshot.1");
    std::fs::write(&page, &roff).unwrap();
    if let Ok(r) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .arg(&page)
        .output()
    {
        assert!(r.status.success(), "{}", text(&r.stderr));
        let warnings = text(&r.stderr);
        assert!(warnings.trim().is_empty(), "groff warnings:\n{warnings}");
        let shown = text(&r.stdout);
        // Overstrike (X backspace X) is how a terminal page shows bold.
        let mut plain = String::new();
        for c in shown.chars() {
            if c == '\u{8}' {
                plain.pop();
            } else {
                plain.push(c);
            }
        }
        assert!(plain.contains("NAME"), "{plain}");
        assert!(
            plain.contains("SUBCOMMANDS") || plain.contains("COMMANDS"),
            "{plain}"
        );
    }

    // --out DIR: one page per command, each a page of its own.
    let out = earshot()
        .args(["man", "--out"])
        .arg(dir.path().join("man1"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    for name in names {
        let p = dir.path().join("man1").join(format!("earshot-{name}.1"));
        let page = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(page.contains(&format!(".TH earshot-{name} 1")), "{page}");
    }
    assert!(dir.path().join("man1/earshot.1").exists());
    // Hidden development commands stay out.
    assert!(!dir.path().join("man1/earshot-debug-ingest.1").exists());
}
