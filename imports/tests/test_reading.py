import tracemalloc
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from imports.reading import (
    HEAD_BYTES,
    MORE_CELLS,
    TAIL_BYTES,
    Layout,
    Row,
    column_samples,
    count_rows,
    count_values,
    detect_layout,
    read_rows,
)
from tests.data.imports.expected import FILES

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "imports"


def write(tmp_path: Path, data: bytes | str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize("name", sorted(FILES))
def test_vendor_file_layout_and_rows(name):
    expected = FILES[name]
    layout = detect_layout(DATA / name)
    assert (layout.encoding, layout.delimiter, layout.header_line, layout.footer_rows) == (
        expected["encoding"],
        expected["delimiter"],
        expected["header_line"],
        expected["footer_rows"],
    )
    assert set(expected["mapping"]) <= set(layout.header)
    assert count_rows(DATA / name, layout) == expected["rows"]
    rows = list(read_rows(DATA / name, layout))
    assert len(rows) == expected["rows"]
    assert [row.problem for row in rows] == [None] * expected["rows"]
    by_line = {row.line: row for row in rows}
    for value in expected["values"]:
        assert by_line[value["line"]].cells[value["column"]] == value["raw"]


def test_salesforce_report_skips_preamble_and_footer():
    path = DATA / "salesforce_opportunities.csv"
    layout = detect_layout(path)
    assert layout.header[:4] == [
        "Opportunity Owner",
        "Account Name",
        "Account ID",
        "Opportunity Name",
    ]
    rows = list(read_rows(path, layout))
    assert rows[0].line == 5
    assert rows[0].cells["Amount"] == "$3,200.00"
    assert rows[-1].line == 49
    assert rows[-1].cells["Opportunity ID"] == "0065g0000000044QAA"


def test_german_pipedrive_file_reads_cp1252():
    path = DATA / "pipedrive_deals_de.csv"
    layout = detect_layout(path)
    assert layout.header[4] == "Deal - Währung"
    row = next(read_rows(path, layout))
    assert row == Row(
        line=2,
        cells=dict(
            zip(
                layout.header,
                [
                    "1",
                    "Website relaunch \u2013 Acme Robotics",
                    "Rita Rep",
                    "3.200,00",
                    "EUR",
                    "Acme Robotics",
                    "1",
                    "Chloe Meyer",
                    "1",
                    "Vertrieb",
                    "Verhandlungen begonnen",
                    "gewonnen",
                    "31.10.2026",
                    "21.09.2026 09:00",
                    "31.10.2026 16:30",
                    "",
                    "",
                ],
                strict=True,
            )
        ),
        problem=None,
    )


def test_multi_line_cell_is_one_row_and_blank_rows_count_as_lines(tmp_path):
    path = write(tmp_path, 'Name,Note\r\nA,"one,\r\ntwo"\r\n\r\n  ,  \r\nB, x \r\n')
    layout = detect_layout(path)
    assert layout == Layout(
        encoding="utf-8", delimiter=",", header_line=1, header=["Name", "Note"], footer_rows=0
    )
    assert list(read_rows(path, layout)) == [
        Row(line=2, cells={"Name": "A", "Note": "one,\r\ntwo"}),
        Row(line=5, cells={"Name": "B", "Note": "x"}),
    ]


def test_header_bom_blank_and_duplicate_names(tmp_path):
    path = write(tmp_path, "\ufeff Email ;Name;email;;Name\na@x.ch;A;b@x.ch;q;A2\n")
    layout = detect_layout(path)
    assert layout.encoding == "utf-8-sig"
    assert layout.delimiter == ";"
    assert layout.header == ["Email", "Name", "email (2)", "Column 4", "Name (2)"]


def test_more_cells_than_header_is_a_problem_unless_empty(tmp_path):
    path = write(tmp_path, "a,b\n1,2,3\n4,5,,\n6\n7,8\n")
    rows = list(read_rows(path, detect_layout(path)))
    assert rows == [
        Row(line=2, cells={"a": "1", "b": "2"}, problem=MORE_CELLS),
        Row(line=3, cells={"a": "4", "b": "5"}),
        Row(line=4, cells={"a": "6", "b": ""}),
        Row(line=5, cells={"a": "7", "b": "8"}),
    ]


def test_nul_byte_is_a_problem_and_removed(tmp_path):
    path = write(tmp_path, b"name,domain\nAc\x00me,acme.com\n")
    (row,) = read_rows(path, detect_layout(path))
    assert row.cells == {"name": "Acme", "domain": "acme.com"}
    assert row.problem == (
        "The cell 'name' holds a NUL byte (\\x00), which cannot be stored; remove it."
    )


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        ("Name\nMüller\n".encode(), "utf-8", "Müller"),
        ("Name\nMüller €\n".encode("cp1252"), "cp1252", "Müller €"),
        ("Name\nMüller\n".encode("cp1252"), "cp1252", "Müller"),
        (b"Name\nM\xfcller \x81\n", "latin-1", "Müller \x81"),
    ],
)
def test_encoding(tmp_path, data, encoding, text):
    path = write(tmp_path, data)
    layout = detect_layout(path)
    assert layout.encoding == encoding
    assert [row.cells["Name"] for row in read_rows(path, layout)] == [text]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;51.500,00;3\n2;1,5;4\n", ";"),
        ("a\tb\tc\n1\t2,5\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('name,note\n"x;y;z","a;b"\n"p;q","r"\n', ","),
    ],
)
def test_delimiter(tmp_path, text, delimiter):
    assert detect_layout(write(tmp_path, text)).delimiter == delimiter


def test_footer_rows_known_phrases_short_rows_and_blanks(tmp_path):
    path = write(
        tmp_path,
        "a,b,c\n1,2,3\n4,5,6\n\nGrand Totals (2 records),,9\nReport X\n"
        '"Generated By:  Sam Manager  5/5/2027 2:27 PM"\n',
    )
    layout = detect_layout(path)
    assert layout.footer_rows == 4
    assert [row.line for row in read_rows(path, layout)] == [2, 3]


def test_a_full_last_row_is_data(tmp_path):
    path = write(tmp_path, "a,b\n1,2\nTotal Solutions GmbH,3\n")
    layout = detect_layout(path)
    assert layout.footer_rows == 0
    assert count_rows(path, layout) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf \r\n", "The file is empty."),
        (
            b"PK\x03\x04" + b"\x00" * 100,
            "This is an Excel workbook or another zip file: save it as CSV.",
        ),
        (b"\x89PNG" + b"\x00\x01" * 200, "This is not a text file: upload a CSV file."),
        ("a,b\n".encode("utf-16"), "This file is UTF-16 text: save it as CSV (UTF-8)."),
        (b",,\n,,\n", "The file has no header row: its first row must name the columns."),
        (b"1,2,3\n4,5,6\n", "The file has no header row: its first row must name the columns."),
    ],
)
def test_file_problems(tmp_path, data, message):
    with pytest.raises(ValidationError) as error:
        detect_layout(write(tmp_path, data))
    assert error.value.message_dict == {"file": [message]}


def test_undecodable_row_later_in_the_file(tmp_path):
    path = write(
        tmp_path, b"a\n" + b"x\n" * (HEAD_BYTES // 2) + b"\xff\xfe\n" + b"y\n" * TAIL_BYTES
    )
    layout = detect_layout(path)
    assert layout.encoding == "utf-8"
    with pytest.raises(ValidationError) as error:
        count_rows(path, layout)
    assert error.value.message_dict == {
        "file": [f"Row {HEAD_BYTES // 2 + 2} is not utf-8 text like the rows above it."]
    }


def test_column_samples_distinct_non_empty_in_order():
    path = DATA / "hubspot_deals.csv"
    samples = column_samples(path, detect_layout(path), per_column=3)
    assert samples["Deal Stage"] == ["Closed Won", "Closed Lost", "Appointment Scheduled"]
    assert samples["Currency"] == ["USD"]
    assert samples["Amount"] == ["3200.00", "51500.00", "12500.00"]


def test_column_samples_bounded_rows(tmp_path):
    path = write(tmp_path, "a,b\n" + "".join(f"{n},\n" for n in range(100)))
    samples = column_samples(path, detect_layout(path), per_column=5, max_rows=3)
    assert samples == {"a": ["0", "1", "2"], "b": []}


def test_count_values_most_frequent_first_and_none_for_many_distinct(tmp_path):
    rows = "".join(
        f"{n},{'Won' if n % 3 == 0 else 'Open'},{'Ann' if n < 2 else ''}\n" for n in range(9)
    )
    path = write(tmp_path, "id,status,owner\n" + rows + "Total,9,\n")
    layout = detect_layout(path)
    assert count_values(path, layout, cap=5) == (
        9,
        {"id": None, "status": [("Open", 6), ("Won", 3)], "owner": [("Ann", 2)]},
    )
    assert count_values(path, layout, keep=1)[1]["status"] == [("Open", 6)]
    assert count_values(path, layout, max_rows=9)[0] == 9
    total, counted = count_values(path, layout, max_rows=4)
    assert (total, counted["status"]) == (None, [("Won", 2), ("Open", 2)])  # ties: file order


def test_large_file_streams_with_flat_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Preamble report\r\n\r\nid,name,amount,note\r\n")
        for n in range(200_000):
            note = '"two\r\nlines, quoted"' if n % 1000 == 0 else "plain"
            handle.write(f"{n},Company {n} Müller,{n * 3}.50,{note}\r\n")
        handle.write(
            '\r\nTotal,,"300,000.00",\r\n"Confidential Information - Do Not Distribute"\r\n'
        )
    assert path.stat().st_size > 8 * 1024 * 1024
    tracemalloc.start()
    try:
        layout = detect_layout(path)
        total = 0
        last = None
        for row in read_rows(path, layout):
            total += 1
            last = row
        counted = count_rows(path, layout)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (layout.header_line, layout.footer_rows, layout.header) == (
        3,
        3,
        ["id", "name", "amount", "note"],
    )
    assert total == counted == 200_000
    assert last == Row(
        line=200_003,
        cells={
            "id": "199999",
            "name": "Company 199999 Müller",
            "amount": "599997.50",
            "note": "plain",
        },
    )
    assert peak < 3 * 1024 * 1024


def test_quote_left_open_is_a_file_problem(tmp_path):
    path = write(tmp_path, 'a,b\n1,2\n3,"open\n' + "x,y\n" * 40_000)
    layout = detect_layout(path)
    with pytest.raises(ValidationError) as error:
        count_rows(path, layout)
    assert error.value.message_dict == {
        "file": [
            "Row 3 cannot be read (field larger than field limit (131072)): is a quote left open?"
        ]
    }


def test_data_rows_with_a_trailing_delimiter_the_header_lacks(tmp_path):
    path = write(tmp_path, "Report\nname,domain\nAcme,acme.com,\nBeta,,\nGamma,gamma.io,\n")
    layout = detect_layout(path)
    assert (layout.header_line, layout.header) == (2, ["name", "domain"])
    assert [row.cells for row in read_rows(path, layout)] == [
        {"name": "Acme", "domain": "acme.com"},
        {"name": "Beta", "domain": ""},
        {"name": "Gamma", "domain": "gamma.io"},
    ]
