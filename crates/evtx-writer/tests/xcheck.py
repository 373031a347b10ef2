"""Normalises what an independent EVTX reader sees, for tests/crosscheck.rs.

usage: xcheck.py libevtx|python-evtx|xml FILE
(xml: FILE holds <Event> documents one after another, as another reader rendered them)
Prints one JSON object per record: System values and EventData items as text, normalised so
that reader-specific renderings compare equal (hex width, GUID case, time format, base64).
"""
import base64, html, json, re, subprocess, sys
import xml.etree.ElementTree as ET

NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)")
GUID = re.compile(r"^\{[0-9a-fA-F-]{36}\}$")
HEX = re.compile(r"^0x[0-9a-fA-F]+$")


def norm(t):
    t = t or ""
    if HEX.match(t):
        return "0x%x" % int(t, 16)
    if GUID.match(t):
        return t.lower()
    m = TIME.match(t)
    if m:
        return m.group(1) + "T" + m.group(2)
    return t


def record(xml_text, reader):
    ev = ET.fromstring(xml_text)
    sysel = ev.find(NS + "System")
    g = lambda tag: sysel.find(NS + tag)
    eid = g("EventID")
    prov = g("Provider")
    sec = g("Security")
    out = {
        "id": int(g("EventRecordID").text),
        "event_id": int(eid.text),
        "qualifiers": eid.get("Qualifiers") or None,
        "provider": prov.get("Name"),
        "guid": (prov.get("Guid") or "").lower() or None,
        "level": int(g("Level").text),
        "task": int(g("Task").text),
        "keywords": norm(g("Keywords").text),
        "time": norm(g("TimeCreated").get("SystemTime")),
        "channel": g("Channel").text,
        "computer": g("Computer").text,
        "user": (sec.get("UserID") if sec is not None else None) or None,
        "data": [],
        "binary": None,
    }
    for tag in ("Version", "Opcode"):
        el = g(tag)
        out[tag.lower()] = int(el.text) if el is not None else None
    ex = g("Execution")
    out["pid"] = int(ex.get("ProcessID")) if ex is not None else None
    out["tid"] = int(ex.get("ThreadID")) if ex is not None else None
    co = g("Correlation")
    out["activity"] = ((co.get("ActivityID") or "").lower() or None) if co is not None else None
    ed = ev.find(NS + "EventData")
    if ed is not None:
        for el in ed:
            tag = el.tag.replace(NS, "")
            text = el.text or ""
            if tag == "Binary":
                if reader == "python-evtx":
                    text = base64.b64decode(text).hex().upper()
                out["binary"] = text
                continue
            if reader == "python-evtx" and el.get("Name") is None and "<string>" in text:
                # python-evtx renders a string-array value as <string> items in one <Data>.
                for s in re.findall(r"<string>(.*?)</string>", text, re.S):
                    out["data"].append([None, html.unescape(s)])
                continue
            out["data"].append([el.get("Name"), norm(text)])
    return out


def main():
    reader, path = sys.argv[1], sys.argv[2]
    if reader == "xml":
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"<Event xmlns=.*?</Event>", text, re.S):
            print(json.dumps(record(m.group(0), reader)))
    elif reader == "libevtx":
        res = subprocess.run(["evtxexport", "-f", "xml", path], capture_output=True, text=True, check=True)
        if res.stderr.strip():
            print("STDERR " + json.dumps(res.stderr), flush=True)
        text = res.stdout
        for m in re.finditer(r"<Event xmlns=.*?</Event>", text, re.S):
            print(json.dumps(record(m.group(0), reader)))
    else:
        import Evtx.Evtx as E
        with E.Evtx(path) as log:
            for r in log.records():
                print(json.dumps(record(r.xml(), reader)))


main()
