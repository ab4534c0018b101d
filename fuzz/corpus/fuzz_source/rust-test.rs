fn f<'a>(x: &'a str) {}
const S: &str = r##"#[test] "# "##;
#[cfg(test)]
mod tests { #[test] fn t() { let c = '\''; } }
