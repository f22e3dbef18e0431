//! Makes cargo rebuild when a migration or translation file is added or changed: both are
//! embedded by macros that cargo does not track on its own.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=assets/locales");
    println!("cargo:rerun-if-changed=templates");
}
