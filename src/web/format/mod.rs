//! How numbers and times read on every page, one module each, so a value looks the same
//! wherever it is shown: [`clock`] for moments and lengths of a call, [`seconds`] for times
//! typed as seconds, [`percent`] for shares and scores, [`when`] for dates and times in the viewer's zone,
//! [`chart`] for the SVG charts.

pub mod chart;
pub mod clock;
pub mod percent;
pub mod seconds;
pub mod when;
