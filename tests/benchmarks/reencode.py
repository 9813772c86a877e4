"""Time to upload and re-encode a 12-megapixel phone photo (the issue asks under 1.5 s).

    python -m tests.benchmarks.reencode [--runs N]

Builds a 4000 x 3000 JPEG with EXIF orientation and GPS (noise, so it compresses like a
photo), then times files.prepare() (open with the pixel cap, verify, decode, turn upright,
save again without metadata) and a whole upload through the test client (form parsing,
access checks, writing the file, the database row). Not part of `pytest`: a benchmark.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time

from PIL import Image

from allin import create_app, schema


def photo() -> bytes:
    noise = Image.effect_noise((4000, 3000), 64).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (59.0, 2.0, 30.0)})
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from allin.concepts import files
    from allin.enums import Role
    from allin.extensions import db
    from tests.conftest import make_config
    from tests.factories import PASSWORD, make_cohort, make_concept, make_user

    data = photo()
    instance = tempfile.mkdtemp(prefix="allin-reencode-")
    app = create_app(make_config(f"sqlite:///{instance}/bench.sqlite", instance))
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR)
        staff = make_user(Role.YOUTH_WORKER)
        concept = make_concept(make_cohort(staff.municipality))
        db.session.commit()
        login, concept_id = staff.login, concept.id
        prepare = []
        for _ in range(args.runs):
            started = time.perf_counter()
            files.prepare(data)
            prepare.append(time.perf_counter() - started)
    client = app.test_client()
    client.post("/login", data={"login": login, "password": PASSWORD})
    uploads = []
    for n in range(args.runs):
        started = time.perf_counter()
        response = client.post(
            f"/concepts/{concept_id}/files",
            data={"file": (io.BytesIO(data), f"photo{n}.jpg")},
            content_type="multipart/form-data",
        )
        uploads.append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
    mb = len(data) / 1024 / 1024
    print(f"12 MP JPEG ({mb:.1f} MB), {args.runs} runs, median / max:")
    print(f"  re-encode only   {statistics.median(prepare):.2f} s / {max(prepare):.2f} s")
    print(f"  whole upload     {statistics.median(uploads):.2f} s / {max(uploads):.2f} s")


if __name__ == "__main__":
    main()
