//! Shared knowledge tables: codes, names and one-line explanations used by every stage.
//!
//! Every table is a small `static` slice. Tables keyed by a number are sorted by that number
//! and looked up by binary search; the unit tests check that they stay sorted and unique.
//! The values follow the project reference (`windows-anonymous-ntlm.md`), which corrects
//! several mistakes that are common in public sources (section F there).

pub mod audit_subcategories;
pub mod events;
pub mod insertion;
pub mod logon_types;
pub mod luids;
pub mod mechanisms;
pub mod privileges;
pub mod ntstatus;
pub mod scenarios;
pub mod secure_channel;
pub mod sids;
pub mod uac;
pub mod win32;

/// A numeric code with its symbolic name and a one-line meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: u32,
    pub name: &'static str,
    pub meaning: &'static str,
}

/// Binary search in a table sorted by `code`.
pub(crate) fn find_code(table: &'static [Code], code: u32) -> Option<&'static Code> {
    table
        .binary_search_by_key(&code, |c| c.code)
        .ok()
        .map(|i| &table[i])
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Code;

    /// Fails on an unsorted table, a duplicate code, or an empty name or meaning.
    pub fn assert_code_table(table: &[Code]) {
        assert!(!table.is_empty());
        for pair in table.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "table not strictly sorted (or duplicate) at {:#x} / {:#x}",
                pair[0].code,
                pair[1].code
            );
        }
        for c in table {
            assert!(!c.name.trim().is_empty(), "empty name for {:#x}", c.code);
            assert!(
                !c.meaning.trim().is_empty(),
                "empty meaning for {:#x}",
                c.code
            );
        }
    }

    #[test]
    fn detects_duplicates() {
        let dup = [
            Code {
                code: 1,
                name: "a",
                meaning: "a",
            },
            Code {
                code: 1,
                name: "b",
                meaning: "b",
            },
        ];
        let r = std::panic::catch_unwind(|| assert_code_table(&dup));
        assert!(r.is_err());
    }
}
