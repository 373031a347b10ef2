//! The compact JSON that `serde_json::to_writer` writes, byte for byte, for the types an
//! event is made of, written faster: `--events` makes a line per event, and serde_json took
//! 8,400 instructions an event on a 4624-heavy log, most of them escaping keys and values a
//! byte at a time through its formatter (BENCHMARKS.md).
//!
//! What this serializer does not write the same way (floats, bytes, map keys other than
//! strings) it refuses with [`Unsupported`]: the caller then uses serde_json. The tests
//! compare both on every event of the corpus and on strings holding every byte that needs
//! escaping.

use serde::ser::{self, Serialize};

/// A value this serializer leaves to serde_json.
#[derive(Debug)]
pub struct Unsupported(String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not written by fast_json: {}", self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

/// Append `value`'s compact JSON to `out`, as `serde_json::to_writer` writes it. On `Err`,
/// `out` holds a partial value: truncate it and use serde_json.
pub fn append<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Unsupported> {
    value.serialize(&mut Writer { out })
}

/// What serde_json writes for a byte of a string: 0 as is, `u` as `\u00XX`, else `\` and it.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Whether any byte of the 8 in `w` is a control character, `"` or `\` (SWAR: a byte's high
/// bit is set in the result where it is below 0x20 or equal to one of the two).
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_0x20 = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below_0x20 | zero_byte(w ^ (ONES * u64::from(b'"'))) | zero_byte(w ^ (ONES * u64::from(b'\\')))
        != 0
}

/// Whether any byte of `b` needs escaping: a word at a time, the last word overlapping the
/// one before (most values are names and numbers of 8 to 40 bytes).
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default());
    if b.len() < 8 {
        return b.iter().any(|&c| ESCAPE[usize::from(c)] != 0);
    }
    let mut at = 0;
    while at + 8 < b.len() {
        if word_needs_escape(word(at)) {
            return true;
        }
        at += 8;
    }
    word_needs_escape(word(b.len() - 8))
}

/// `s` as a JSON string.
fn push_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    if !needs_escape(b) {
        out.extend_from_slice(b);
    } else {
        push_escaped(out, b);
    }
    out.push(b'"');
}

/// The bytes of a string that holds something to escape, escaped as serde_json does.
#[cold]
fn push_escaped(out: &mut Vec<u8>, b: &[u8]) {
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let e = ESCAPE[usize::from(c)];
        if e == 0 {
            continue;
        }
        out.extend_from_slice(&b[start..i]);
        if e == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xf)]);
        } else {
            out.extend_from_slice(&[b'\\', e]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A compound opened with `open`, inside `{"variant":` when it is a variant's; `close`
    /// ends it.
    fn compound<'w>(
        &'w mut self,
        variant: Option<&str>,
        open: u8,
        close: &'static [u8],
    ) -> Compound<'w, 'a> {
        if let Some(v) = variant {
            self.out.push(b'{');
            push_str(self.out, v);
            self.out.push(b':');
        }
        self.out.push(open);
        Compound {
            w: self,
            first: true,
            close,
        }
    }
}

/// A map, struct, sequence or variant being written: whether an element has been.
pub struct Compound<'w, 'a> {
    w: &'w mut Writer<'a>,
    first: bool,
    /// Closers after the elements: `]`, `}`, or `]}` / `}}` for a variant's body.
    close: &'static [u8],
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if !std::mem::replace(&mut self.first, false) {
            self.w.out.push(b',');
        }
    }

    fn key(&mut self, key: &str) {
        self.comma();
        push_str(self.w.out, key);
        self.w.out.push(b':');
    }

    fn end(self) -> Result<(), Unsupported> {
        self.w.out.extend_from_slice(self.close);
        Ok(())
    }
}

macro_rules! integers {
    ($($f:ident: $t:ty),*) => {$(
        fn $f(self, v: $t) -> Result<(), Unsupported> {
            self.out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            Ok(())
        }
    )*};
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128);

    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(Unsupported("a float".into()))
    }

    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(Unsupported("a float".into()))
    }

    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        push_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        push_str(self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported("bytes".into()))
    }

    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Unsupported> {
        v.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        push_str(self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        self.out.push(b'{');
        push_str(self.out, variant);
        self.out.push(b':');
        v.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w, 'a>, Unsupported> {
        Ok(self.compound(None, b'[', b"]"))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 'a>, Unsupported> {
        Ok(self.compound(Some(variant), b'[', b"]}"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w, 'a>, Unsupported> {
        Ok(self.compound(None, b'{', b"}"))
    }

    fn serialize_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Unsupported> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 'a>, Unsupported> {
        Ok(self.compound(Some(variant), b'{', b"}}"))
    }

    fn collect_str<T: std::fmt::Display + ?Sized>(self, v: &T) -> Result<(), Unsupported> {
        push_str(self.out, &v.to_string());
        Ok(())
    }
}

/// The sequence-like compounds: an element after a comma.
macro_rules! elements {
    ($($kind:ident :: $method:ident),*) => {$(
        impl ser::$kind for Compound<'_, '_> {
            type Ok = ();
            type Error = Unsupported;

            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
                self.comma();
                v.serialize(&mut *self.w)
            }

            fn end(self) -> Result<(), Unsupported> {
                Compound::end(self)
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.comma();
        key.serialize(KeyWriter { out: self.w.out })?;
        self.w.out.push(b':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        v.serialize(&mut *self.w)
    }

    fn end(self) -> Result<(), Unsupported> {
        Compound::end(self)
    }
}

/// The struct-like compounds: a key and its value.
macro_rules! fields {
    ($($kind:ident),*) => {$(
        impl ser::$kind for Compound<'_, '_> {
            type Ok = ();
            type Error = Unsupported;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), Unsupported> {
                self.key(key);
                v.serialize(&mut *self.w)
            }

            fn end(self) -> Result<(), Unsupported> {
                Compound::end(self)
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

/// Scalars that are not map keys here.
macro_rules! not_keys {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, _: $t) -> Result<(), Unsupported> {
            not_a_key()
        }
    )*};
}

/// A map key: a string is written as one; anything else is left to serde_json (which
/// quotes numbers and booleans).
struct KeyWriter<'a> {
    out: &'a mut Vec<u8>,
}

fn not_a_key<T>() -> Result<T, Unsupported> {
    Err(Unsupported("a map key that is not a string".into()))
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        push_str(self.out, v);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        v.serialize(self)
    }

    not_keys!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16,
        serialize_i32: i32, serialize_i64: i64, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_f32: f32, serialize_f64: f64,
        serialize_char: char, serialize_bytes: &[u8]);
    fn serialize_none(self) -> Result<(), Unsupported> {
        not_a_key()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Unsupported> {
        not_a_key()
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        not_a_key()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        not_a_key()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Unsupported> {
        not_a_key()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        not_a_key()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        not_a_key()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        not_a_key()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        not_a_key()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        not_a_key()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        not_a_key()
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        not_a_key()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        not_a_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn same<T: Serialize + ?Sized + std::fmt::Debug>(v: &T) {
        let mut fast = Vec::new();
        append(&mut fast, v).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        let slow = serde_json::to_vec(v).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&slow),
            "{v:?}"
        );
    }

    #[test]
    fn every_byte_is_escaped_as_serde_json_does() {
        for b in 0u8..=0x7f {
            let c = char::from(b);
            // Alone, at each place of a word, and past the words the SWAR scan reads.
            for at in 0..20 {
                let mut s: String = "abcdefghijklmnopqrst".into();
                s.insert(at, c);
                same(&s);
            }
            same(&c);
        }
        for s in [
            "",
            "é",
            "\u{1F600}",
            "a\"b\\c",
            "\u{7f}\u{80}\u{ffff}",
            "x\r\n\t\u{0}y",
        ] {
            same(s);
            same(&s.repeat(9));
        }
    }

    #[test]
    fn shapes_are_written_as_serde_json_writes_them() {
        #[derive(Serialize, Debug)]
        #[serde(tag = "family", rename_all = "snake_case")]
        enum Tagged {
            A(Inner),
            B { x: u8 },
        }
        #[derive(Serialize, Debug)]
        struct Inner {
            s: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            list: Vec<&'static str>,
            empty: Vec<u8>,
            unit: (),
            neg: i64,
            big: u128,
            yes: bool,
            c: char,
        }
        #[derive(Serialize, Debug)]
        struct Outer {
            id: u64,
            #[serde(flatten)]
            kind: Tagged,
        }
        #[derive(Serialize, Debug)]
        enum Plain {
            Unit,
            New(u8),
            Tuple(u8, u8),
            Struct { a: u8 },
        }
        let inner = || Inner {
            s: Some("S-1-5-7".into()),
            skipped: None,
            list: vec!["SeTcbPrivilege", "x\"y"],
            empty: vec![],
            unit: (),
            neg: -42,
            big: u128::MAX,
            yes: true,
            c: '\n',
        };
        same(&Outer {
            id: 7,
            kind: Tagged::A(inner()),
        });
        same(&Outer {
            id: 0,
            kind: Tagged::B { x: 1 },
        });
        same(&inner());
        for p in [
            Plain::Unit,
            Plain::New(1),
            Plain::Tuple(1, 2),
            Plain::Struct { a: 3 },
        ] {
            same(&p);
        }
        same(&(1u8, "a", None::<u8>));
        same(&BTreeMap::from([("k\"ey", 1u8), ("b", 2)]));
        same(&BTreeMap::<String, u8>::new());
    }

    #[test]
    fn what_it_does_not_write_is_refused() {
        let mut out = Vec::new();
        assert!(append(&mut out, &1.5f64).is_err());
        assert!(append(&mut out, &BTreeMap::from([(1u8, 2u8)])).is_err());
        assert!(append(&mut out, &Bytes(vec![1, 2])).is_err());
    }

    /// A value serialised as bytes.
    struct Bytes(Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }
}
