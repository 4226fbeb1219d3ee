"""The backfill job: `python -m iw_backfill.job --input-topic T --from F --to U --output-topic O ...`.

Reads PinCreated records of a range with Spark's Kafka source (a batch read: no consumer group, so no
offsets of the live group, or any group, are read or written), scores them in the executors with the
worker's ONNX files and policy file (by default the worker's default policy, and the models its rules
are bound to), and writes IntegrityLabel (and DeadLetter) records in the
Confluent wire format to versioned topics with Spark's Kafka sink; optionally the labels as Parquet.
Prints one JSON summary line (counts, decisions, seconds, pins/s).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from .errors import BackfillError
from .fetch import FetchOptions
from .policy import load_policy
from .scorer import JobSettings, scorer_for

SPARK_VERSION = "4.2.0"
# Maven Central serves the 4.2.0 connector (4.2.1 and 4.3.0 are not served): keep pyspark on 4.2.0.
KAFKA_PACKAGE = f"org.apache.spark:spark-sql-kafka-0-10_2.13:{SPARK_VERSION}"
REPO = Path(__file__).resolve().parents[2]
if str(REPO / "training") not in sys.path:
    sys.path.insert(0, str(REPO / "training"))  # text_spam: the featurizer the text model was trained with
CACHE = Path(os.environ.get("IW_CACHE_DIR", Path.home() / ".cache" / "integrity-worker"))
# The worker's POLICY_FILE default (src/config/env-variables.ts; test/unit/backfill keeps them equal).
# The models follow the policy: each of its rules names the one model version it was chosen for.
DEFAULT_POLICY = "policy/policy-v5.json"


def default_policy() -> str:
    """POLICY_FILE as the worker reads it (relative to the repository), else the worker's default."""
    file = Path(os.environ.get("POLICY_FILE", DEFAULT_POLICY))
    return str(file if file.is_absolute() else REPO / file)


def kafka_position(text: str, topic: str, end: bool) -> dict:
    """`earliest` | `latest` | ISO-8601 time | `partition:offset,...` -> Spark Kafka source options."""
    prefix = "ending" if end else "starting"
    if text in ("earliest", "latest"):
        if (text == "earliest") == end:
            raise BackfillError("IW_ARGUMENT_INVALID", f"--{'to' if end else 'from'} {text} makes an empty range")
        return {f"{prefix}Offsets": text}
    if ":" in text and all(part.split(":")[0].isdigit() and part.split(":")[1].lstrip("-").isdigit() for part in text.split(",")):
        offsets = {p: int(o) for p, o in (part.split(":") for part in text.split(","))}
        return {f"{prefix}Offsets": json.dumps({topic: offsets})}
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise BackfillError("IW_ARGUMENT_INVALID", f"{text!r}: want earliest, latest, an ISO time or p:o,...") from error
    if when.tzinfo is None:
        raise BackfillError("IW_ARGUMENT_INVALID", f"{text!r}: a time needs its offset (Z or +hh:mm)")
    return {f"{prefix}Timestamp": str(int(when.timestamp() * 1000))}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="iw-backfill", description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BROKERS", "127.0.0.1:19092"))
    p.add_argument("--registry", default=os.environ.get("SCHEMA_REGISTRY_URL", "http://127.0.0.1:18081/apis/ccompat/v7"))
    p.add_argument("--input-topic", default="pins.created.v1")
    p.add_argument("--from", dest="start", default="earliest")
    p.add_argument("--to", dest="end", default="latest")
    p.add_argument("--models", help="comma-separated name@version (default: the models the policy's rules name)")
    p.add_argument("--policy", default=default_policy(), help=f"default: POLICY_FILE, else {DEFAULT_POLICY}")
    p.add_argument("--models-dir", default=str(REPO / "models"))
    p.add_argument("--schemas-dir", default=str(REPO / "schemas"))
    p.add_argument("--output-topic", required=True, help="versioned label topic, e.g. integrity.labels.backfill.text-spam-2.v1")
    p.add_argument("--deadletter-topic", help="default: <output-topic>.deadletter")
    p.add_argument("--parquet", help="also write the labels (decoded) as Parquet here")
    p.add_argument("--master", default=os.environ.get("SPARK_MASTER", "local[2]"))
    p.add_argument("--min-partitions", type=int, default=0, help="split Kafka partitions into more tasks")
    p.add_argument("--fetch-allowed-hosts", default="*")
    p.add_argument("--fetch-allow-private", default="", help="addresses/CIDRs allowed although private (tests)")
    p.add_argument("--fetch-total-timeout-ms", type=int, default=5000)
    p.add_argument("--fetch-max-bytes", type=int, default=10 * 1024 * 1024)
    return p.parse_args(argv)


def spark_session(master: str):
    """A session with the Kafka connector. The first start resolves it with Ivy from Maven Central
    (~126 MB, cached under IW_CACHE_DIR/ivy); the resolved jar list is kept next to the cache, and
    later starts use those files directly, so they need no repository at all (Ivy would ask Maven
    Central about every module again on each start)."""
    from pyspark.sql import SparkSession

    ivy = CACHE / "ivy"
    resolved = ivy / f"resolved-{KAFKA_PACKAGE.replace(':', '_')}.txt"
    jars = resolved.read_text().split(",") if resolved.exists() else []
    builder = (
        SparkSession.builder.master(master)
        .appName("integrity-backfill")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.python.worker.reuse", "true")
    )
    if jars and all(Path(j.removeprefix("file:")).exists() for j in jars):
        builder = builder.config("spark.jars", ",".join(jars))
    else:
        builder = builder.config("spark.jars.packages", KAFKA_PACKAGE).config("spark.jars.ivy", str(ivy))
        jars = []
    if master.startswith("local"):
        # Without these, tasks fail fetching the job's jars from a driver bound to another address.
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        # Python workers run this interpreter (the venv with onnxruntime, pyvips...), not python3 on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = builder.getOrCreate()
    if not jars:
        listed = spark.sparkContext.getConf().get("spark.jars", "")
        if KAFKA_PACKAGE.split(":")[1] in listed:
            resolved.write_text(listed)
    return spark


def _ship_code(spark) -> None:
    """Zips this package and training's featurizer for the executors (also what a cluster needs)."""
    sources = ((REPO / "backfill", "iw_backfill"), (REPO / "training", "text_spam"))
    if not all((root / package).is_dir() for root, package in sources):
        return  # not run from a checkout: spark-submit ships the code with --py-files
    folder = Path(tempfile.mkdtemp(prefix="iw-backfill-"))
    archive = folder / "iw_backfill_code.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for root, package in sources:
            for f in sorted((root / package).glob("*.py")):
                z.write(f, f"{package}/{f.name}")
    spark.sparkContext.addPyFile(str(archive))


def run(args: argparse.Namespace) -> dict:
    from pyspark.sql import types as T

    dead_letter_topic = args.deadletter_topic or f"{args.output_topic}.deadletter"
    models = args.models.split(",") if args.models else load_policy(args.policy).model_ids()
    settings = JobSettings(
        models_dir=str(Path(args.models_dir).resolve()),
        model_ids=tuple(m.strip() for m in models if m.strip()),
        policy_file=str(Path(args.policy).resolve()),
        schemas_dir=str(Path(args.schemas_dir).resolve()),
        registry_url=args.registry,
        label_topic=args.output_topic,
        dead_letter_topic=dead_letter_topic,
        fetch=FetchOptions(
            allowed_hosts=tuple(h for h in args.fetch_allowed_hosts.split(",") if h),
            allow_private=tuple(a for a in args.fetch_allow_private.split(",") if a),
            total_timeout_s=args.fetch_total_timeout_ms / 1000,
            max_bytes=args.fetch_max_bytes,
        ),
    )
    scorer_for(settings)  # fail fast on the driver: manifests, checksums, policy, featurizer
    began = time.monotonic()
    spark = spark_session(args.master)
    _ship_code(spark)
    reader = (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap_servers)
        .option("subscribe", args.input_topic)
        .option("includeHeaders", "true")
        .option("failOnDataLoss", "false")
        # As the worker reads (kafkajs: read_committed): records of aborted transactions are not pins.
        .option("kafka.isolation.level", "read_committed")
    )
    for key, value in {**kafka_position(args.start, args.input_topic, False), **kafka_position(args.end, args.input_topic, True)}.items():
        reader = reader.option(key, value)
    if args.min_partitions:
        reader = reader.option("minPartitions", str(args.min_partitions))
    source = reader.load().select("key", "value", "topic", "partition", "offset", "headers")

    def score(rows):
        scorer = scorer_for(settings)
        dicts = (
            {
                "key": None if r.key is None else bytes(r.key),
                "value": None if r.value is None else bytes(r.value),
                "topic": r.topic,
                "partition": r.partition,
                "offset": r.offset,
                "headers": [{"key": h.key, "value": None if h.value is None else bytes(h.value)} for h in (r.headers or [])],
            }
            for r in rows
        )
        for out in scorer.score_partition(dicts):
            yield (out["topic"], out["key"], out["value"], out["pinId"], out["outcome"], out["labelJson"], out["unscored"])

    schema = T.StructType(
        [
            T.StructField("topic", T.StringType(), False),
            T.StructField("key", T.BinaryType(), True),
            T.StructField("value", T.BinaryType(), False),
            T.StructField("pinId", T.StringType(), True),
            T.StructField("outcome", T.StringType(), True),
            T.StructField("labelJson", T.StringType(), True),
            T.StructField("unscored", T.StringType(), True),
        ]
    )
    outputs = spark.createDataFrame(source.rdd.mapPartitions(score), schema).persist()
    session_seconds = time.monotonic() - began
    (
        outputs.select("topic", "key", "value")
        .write.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap_servers)
        .option("kafka.acks", "all")
        .option("kafka.enable.idempotence", "true")
        .save()
    )
    # The write is the action that reads, scores and publishes every record (the rest reuses it).
    score_seconds = time.monotonic() - began - session_seconds
    if args.parquet:
        outputs.where(outputs.topic == args.output_topic).select("pinId", "outcome", "labelJson").write.mode("overwrite").parquet(args.parquet)
    counts = {(r["topic"], r["outcome"]): r["count"] for r in outputs.groupBy("topic", "outcome").count().collect()}
    unscored: dict[str, int] = {}
    for r in outputs.where(outputs.unscored != "").groupBy("unscored").count().collect():
        for reason in r["unscored"].split(","):
            unscored[reason] = unscored.get(reason, 0) + r["count"]
    outputs.unpersist()
    seconds = time.monotonic() - began
    labels = sum(n for (topic, _d), n in counts.items() if topic == args.output_topic)
    dead = sum(n for (topic, _d), n in counts.items() if topic == dead_letter_topic)
    outcomes = {topic: {o: n for (t, o), n in sorted(counts.items()) if t == topic} for topic in (args.output_topic, dead_letter_topic)}
    return {
        "input_topic": args.input_topic,
        "output_topic": args.output_topic,
        "deadletter_topic": dead_letter_topic,
        "models": list(settings.model_ids),
        "policy": scorer_for(settings).policy.version,
        "labels": labels,
        "dead_letters": dead,
        "decisions": outcomes[args.output_topic],
        "dead_letter_codes": outcomes[dead_letter_topic],
        "unscored": dict(sorted(unscored.items())),
        "seconds": round(seconds, 2),
        "session_seconds": round(session_seconds, 2),
        "score_seconds": round(score_seconds, 2),
        "pins_per_s": round((labels + dead) / score_seconds, 1) if score_seconds > 0 else None,
        "master": args.master,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        summary = run(args)
    except BackfillError as error:
        print(f"error {error.code}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
