//! ember-host's integration tests, one binary: the library and the CLI.

mod cli;
mod guests;
mod library;
