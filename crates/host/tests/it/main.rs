//! ember-host's integration tests, one binary: the library and the CLI.

mod cli;
mod cmd;
mod errors_doc;
mod examples;
mod guests;
mod library;
mod prove_cli;
mod seeing;
mod std_guests;
