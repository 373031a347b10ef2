mod common;
use common::*;

#[test]
fn smoke_print() {
    let recs = vec![logon_4624(0), netlogon_5805(1), mssql_18456(2), logon_4624(3)];
    let bytes = write_all(&recs);
    for (id, x) in read_xml(&bytes) {
        println!("{id}: {x}");
    }
    for j in read_json(&bytes) {
        println!("{j}");
    }
}
