"""The Python side of test/data/python-interop.test.ts: pyarrow and Hugging Face
`datasets` read the files Trellis wrote, and pyarrow writes the files Trellis
must read. One process does every step (Python start-up is the slow part).

Reads a job as JSON on stdin:
  {"read": [{"name", "path", "kind"}], "write": [{"name", "source", "path", "variant"}]}
kind: ipc-file | ipc-stream | parquet | ipc-dir | parquet-dir | minari | hf (see READERS).
variant: see WRITERS (the source is an Arrow IPC file Trellis wrote), or
recompress-dir (the source is a directory). Prints one JSON object:
{"versions", "read": {name: ...}, "write": {name: ...}}; each entry is
{"ok": true, ...} or {"ok": false, "error": "..."}. A read describes the file
(schema, metadata, row count, every column's values); a write describes the
table it wrote. Floats that
JSON cannot hold are written as the strings "NaN", "Infinity", "-Infinity";
bytes as hex strings.
"""
import json
import math
import os
import shutil
import sys
import traceback

import datasets
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq


def plain(value):
    """A to_pylist value as JSON data."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def describe(table):
    """Schema (names, types, nullability, metadata), row count and every column's values."""
    meta = table.schema.metadata or {}
    return {
        "num_rows": table.num_rows,
        "schema": [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in table.schema],
        "metadata": {k.decode(): v.decode() for k, v in meta.items()},
        "columns": {name: plain(table.column(name).to_pylist()) for name in table.column_names},
    }


def read_minari(path):
    """Minari's ArrowStorage/ParquetStorage reading: one pyarrow dataset per episode directory, in id order."""
    data = os.path.join(path, "data")
    with open(os.path.join(data, "metadata.json")) as f:
        meta = json.load(f)
    fmt = meta["data_format"]
    ids = sorted(int(n) for n in os.listdir(data) if n.isdigit())
    episodes = []
    for i in ids:
        # As Minari's ArrowStorage.get_episodes reads an episode directory.
        table = pads.dataset(os.path.join(data, str(i)), format=fmt, ignore_prefixes=["_", ".", "metadata.json"]).to_table()
        with open(os.path.join(data, str(i), "metadata.json")) as f:
            ep_meta = json.load(f)
        episodes.append({"id": i, "episode_metadata": ep_meta, **describe(table)})
    return {"metadata": meta, "episodes": episodes}


def read_parquet(path):
    """The whole file; when pyarrow cannot read that, each column alone, with the errors of those it cannot read."""
    try:
        return {**describe(pq.read_table(path)), "failed_columns": {}}
    except pa.ArrowException:
        names = pq.read_schema(path).names
    readable, failed = [], {}
    for name in names:
        try:
            pq.read_table(path, columns=[name])
            readable.append(name)
        except pa.ArrowException as error:
            failed[name] = f"{type(error).__name__}: {error}"
    return {**describe(pq.read_table(path, columns=readable)), "failed_columns": failed}


def read_hf(path):
    ds = datasets.load_from_disk(path)
    return {
        "num_rows": ds.num_rows,
        "features": {name: repr(feature) for name, feature in ds.features.items()},
        "features_dict": ds.features.to_dict(),
        "columns": plain(ds.to_dict()),
        "arrow": describe(ds.data.table),
    }


READERS = {
    "ipc-file": lambda p: describe(ipc.open_file(p).read_all()),
    "ipc-stream": lambda p: describe(ipc.open_stream(p).read_all()),
    "parquet": read_parquet,
    "ipc-dir": lambda p: describe(pads.dataset(p, format="ipc").to_table()),
    "parquet-dir": lambda p: describe(pads.dataset(p, format="parquet").to_table()),
    "minari": read_minari,
    "hf": read_hf,
}


def write_ipc(path, table, compression=None, stream=False):
    options = ipc.IpcWriteOptions(compression=compression)
    opener = ipc.new_stream if stream else ipc.new_file
    with opener(path, table.schema, options=options) as w:
        w.write_table(table)
    return table


def write_parquet(path, table, **options):
    pq.write_table(table, path, **options)
    return table


def with_extra(table, name, array):
    return table.append_column(pa.field(name, array.type, nullable=True), array)


def notes(n):
    """Strings of 11 to ~70 bytes: views hold those up to 12 bytes inline, longer ones in data buffers."""
    return [None if i % 3 == 2 else f"row {i} · ü" + "x" * (i % 60) for i in range(n)]


def view_types(table, path):
    """Extra columns of Utf8View and BinaryView (pyarrow's string_view, binary_view)."""
    n = table.num_rows
    t = with_extra(table, "note", pa.array(notes(n), pa.string_view()))
    t = with_extra(t, "blob", pa.array([bytes([i % 256, 7] * (i % 9)) for i in range(n)], pa.binary_view()))
    return write_ipc(path, t)


def large_extra(table, path):
    """Extra columns of LargeUtf8 and LargeList<int32>."""
    n = table.num_rows
    t = with_extra(table, "note", pa.array(notes(n), pa.large_string()))
    t = with_extra(t, "lengths", pa.array([[i] * (i % 3) for i in range(n)], pa.large_list(pa.int32())))
    return write_ipc(path, t)


def large_tokens(table, path):
    """The sequence columns as LargeList (the trajectory schema says List)."""
    fields = [pa.field(f.name, pa.large_list(f.type.value_field), f.nullable) if f.name in ("tokens", "token_logp", "token_adv") else f for f in table.schema]
    return write_ipc(path, table.cast(pa.schema(fields, metadata=table.schema.metadata)))


def pythonic(table, path):
    """The types a table built in Python usually has: every field and list item nullable, items named "element", int32 dictionary indices."""
    def retype(t):
        if pa.types.is_fixed_size_list(t):
            return pa.list_(pa.field("element", retype(t.value_type)), t.list_size)
        if pa.types.is_list(t):
            return pa.list_(pa.field("element", retype(t.value_type)))
        if pa.types.is_dictionary(t):
            return pa.dictionary(pa.int32(), t.value_type)
        return t
    schema = pa.schema([pa.field(f.name, retype(f.type), True) for f in table.schema], metadata=table.schema.metadata)
    return write_ipc(path, table.cast(schema))


def dictionary_replacement(table, path):
    """An IPC stream whose second batch replaces the run_id dictionary (pyarrow writes one per batch when they differ)."""
    half = table.num_rows // 2
    i = table.schema.get_field_index("run_id")
    def renamed(part, run):
        col = pa.DictionaryArray.from_arrays(pa.array([0] * part.num_rows, pa.int32()), pa.array([run]))
        return part.set_column(i, table.schema.field(i), col)
    return write_ipc(path, pa.concat_tables([renamed(table.slice(0, half), "first"), renamed(table.slice(half), "second")]), stream=True)


def shards(table, path, fmt):
    """Two files of one schema in a folder."""
    half = table.num_rows // 2
    os.makedirs(path, exist_ok=True)
    for k, part in enumerate([table.slice(0, half), table.slice(half)]):
        if fmt == "ipc":
            write_ipc(os.path.join(path, f"part-{k}.arrow"), part)
        else:
            write_parquet(os.path.join(path, f"part-{k}.parquet"), part)
    return table


def recompress_dir(source_dir, path, compression="zstd"):
    """A copy of a directory (a save_to_disk or Minari export) with every Arrow IPC file or stream in it rewritten compressed."""
    shutil.copytree(source_dir, path)
    for folder, _, names in os.walk(path):
        for name in names:
            file = os.path.join(folder, name)
            if not name.endswith(".arrow"):
                continue
            with open(file, "rb") as f:
                is_file = f.read(6) == b"ARROW1"
            table = feather.read_table(file) if is_file else ipc.open_stream(file).read_all()
            write_ipc(file, table, compression, stream=not is_file)
    return {}


# Each writes the table (read from a file Trellis wrote) to the path its way and returns what it wrote.
WRITERS = {
    "ipc-file": lambda t, p: write_ipc(p, t),
    "ipc-stream": lambda t, p: write_ipc(p, t, stream=True),
    "feather-default": lambda t, p: feather.write_feather(t, p) or t,
    "feather-uncompressed": lambda t, p: feather.write_feather(t, p, compression="uncompressed") or t,
    "ipc-file-lz4": lambda t, p: write_ipc(p, t, "lz4"),
    "ipc-file-zstd": lambda t, p: write_ipc(p, t, "zstd"),
    "ipc-stream-zstd": lambda t, p: write_ipc(p, t, "zstd", stream=True),
    "parquet-default": lambda t, p: write_parquet(p, t),
    "parquet-zstd": lambda t, p: write_parquet(p, t, compression="zstd"),
    "parquet-gzip": lambda t, p: write_parquet(p, t, compression="gzip"),
    "parquet-brotli": lambda t, p: write_parquet(p, t, compression="brotli"),
    "parquet-lz4": lambda t, p: write_parquet(p, t, compression="lz4"),
    "ipc-shards": lambda t, p: shards(t, p, "ipc"),
    "parquet-shards": lambda t, p: shards(t, p, "parquet"),
    "view-types": view_types,
    "large-extra": large_extra,
    "large-tokens": large_tokens,
    "pythonic": pythonic,
    "dictionary-replacement": dictionary_replacement,
}


def attempt(fn):
    try:
        return {"ok": True, **fn()}
    except Exception as error:  # reported to the test, which decides
        return {"ok": False, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc(limit=3)}


def written(variant, source, path):
    if variant == "recompress-dir":
        return recompress_dir(source, path)
    return describe(WRITERS[variant](feather.read_table(source), path))


def main():
    job = json.load(sys.stdin)
    out = {"versions": {"python": sys.version.split()[0], "pyarrow": pa.__version__, "datasets": datasets.__version__}, "read": {}, "write": {}}
    for item in job.get("read", []):
        out["read"][item["name"]] = attempt(lambda: READERS[item["kind"]](item["path"]))
    for item in job.get("write", []):
        out["write"][item["name"]] = attempt(lambda: written(item["variant"], item["source"], item["path"]))
    json.dump(out, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
