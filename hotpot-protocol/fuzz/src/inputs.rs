//! Structured inputs built with `arbitrary`: text that is likely to hit a rule's edges
//! (whitespace of every kind, emoji with combining marks, 70 and 71 characters), and times.

use arbitrary::Arbitrary;

/// A piece of text; repeated or joined into longer values.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Piece {
    /// One ASCII character (the byte's low 7 bits).
    Ascii(u8),
    /// A letter.
    Letter(u8),
    /// One of several whitespace characters (ASCII and Unicode).
    Space(u8),
    /// An emoji, possibly with modifiers or joiners.
    Emoji(u8),
    /// A combining mark (each one is a scalar value of its own).
    Combining(u8),
    /// Any Unicode scalar value.
    Char(char),
}

const SPACES: [char; 10] = [
    ' ', '\t', '\n', '\r', '\u{a0}', '\u{2003}', '\u{3000}', '\u{85}', '\u{2028}', '\u{feff}',
];
const EMOJI: [&str; 8] = ["🔥", "👩‍💻", "🏳️‍🌈", "👍🏽", "🇫🇷", "❤️", "🧑‍🤝‍🧑", "1️⃣"];
const COMBINING: [char; 6] = [
    '\u{301}', '\u{308}', '\u{20dd}', '\u{fe0f}', '\u{200d}', '\u{36f}',
];

impl Piece {
    pub fn push_to(self, out: &mut String) {
        match self {
            Piece::Ascii(b) => out.push(char::from(b & 0x7f)),
            Piece::Letter(b) => out.push(char::from(b'a' + b % 26)),
            Piece::Space(i) => out.push(SPACES[usize::from(i) % SPACES.len()]),
            Piece::Emoji(i) => out.push_str(EMOJI[usize::from(i) % EMOJI.len()]),
            Piece::Combining(i) => out.push(COMBINING[usize::from(i) % COMBINING.len()]),
            Piece::Char(c) => out.push(c),
        }
    }
}

/// A string value.
#[derive(Arbitrary, Debug, Clone)]
pub enum Text {
    /// Whatever the fuzzer writes.
    Raw(String),
    /// `count` copies of a run of pieces: long values, names near 70 characters.
    Repeat { run: Vec<Piece>, count: u8 },
    /// Pieces one after another.
    Joined(Vec<Piece>),
    /// Exactly `len` scalar values (clamped to 0..=140) of one piece kind.
    Exactly { piece: Piece, len: u8 },
}

impl Text {
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Text::Raw(s) => out.push_str(s),
            Text::Repeat { run, count } => {
                for _ in 0..*count {
                    run.iter().for_each(|p| p.push_to(&mut out));
                }
            }
            Text::Joined(pieces) => pieces.iter().for_each(|p| p.push_to(&mut out)),
            Text::Exactly { piece, len } => {
                let len = usize::from(*len).min(140);
                while out.chars().count() < len {
                    piece.push_to(&mut out);
                }
                out = out.chars().take(len).collect();
            }
        }
        out
    }
}

/// A date-time spelt in one of the documented forms, with every part possibly out of range.
#[derive(Arbitrary, Debug, Clone)]
pub struct TimeParts {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanos: u32,
    /// Fraction digits written (0: none).
    pub digits: u8,
    /// `T`, `t` or a space between date and time.
    pub separator: u8,
    pub zone: Zone,
}

/// How a time names its zone.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Zone {
    /// No zone: UTC by the specification.
    None,
    Z,
    LowerZ,
    /// `+HH:MM` or `-HH:MM`.
    Offset {
        east: bool,
        hours: u8,
        minutes: u8,
    },
}

impl TimeParts {
    /// The parts, each kept near its range so that both valid and barely invalid times come up.
    pub fn clamped(&self) -> TimeParts {
        TimeParts {
            year: self.year % 10_000,
            month: self.month % 14,
            day: self.day % 33,
            hour: self.hour % 25,
            minute: self.minute % 61,
            second: self.second % 62,
            nanos: self.nanos % 1_000_000_000,
            digits: self.digits % 12,
            separator: self.separator % 3,
            zone: match self.zone {
                Zone::Offset {
                    east,
                    hours,
                    minutes,
                } => Zone::Offset {
                    east,
                    hours: hours % 25,
                    minutes: minutes % 61,
                },
                other => other,
            },
        }
    }

    /// The text form.
    pub fn render(&self) -> String {
        let separator = [' ', 'T', 't'][usize::from(self.separator % 3)];
        let mut out = format!(
            "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.digits > 0 {
            // Nine digits of nanoseconds, then zeros, cut to `digits`.
            let all = format!("{:09}000", self.nanos);
            out.push('.');
            out.push_str(&all[..usize::from(self.digits).min(all.len())]);
        }
        match self.zone {
            Zone::None => {}
            Zone::Z => out.push('Z'),
            Zone::LowerZ => out.push('z'),
            Zone::Offset {
                east,
                hours,
                minutes,
            } => {
                let sign = if east { '+' } else { '-' };
                out.push_str(&format!("{sign}{hours:02}:{minutes:02}"));
            }
        }
        out
    }
}
