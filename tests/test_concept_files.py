"""Attachments (SECURITY 20-22): the type from the content, images re-encoded without any
metadata, bombs and broken files refused, names kept, downloads checked, files and rows in
step whichever way the transaction ends, and the 413 page from a real gunicorn."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from allin.concepts import files
from allin.errors import DomainError
from allin.extensions import db
from allin.models import Attachment, Concept, Municipality, User
from tests.factories import make_cohort, make_concept

GPS = 0x8825


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def jpeg(size=(40, 20), *, gps=True, orientation=6) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif.get_ifd(GPS).update({1: "N", 2: (59.0, 2.0, 30.0), 3: "E", 4: (10.0, 1.0, 5.0)})
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>secret place</rdf:RDF></x:xmpmeta>'
    image.save(out, "JPEG", exif=exif, xmp=xmp)
    return out.getvalue()


def png(size=(30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 120, 0, 255)).save(out, "PNG")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def upload(client, concept_id, data: bytes, name: str, **extra):
    return client.post(
        f"/concepts/{concept_id}/files",
        data={"file": (io.BytesIO(data), name), "shows_people": "y", **extra},
        content_type="multipart/form-data",
    )


def multipart(data: bytes, name: str) -> tuple[bytes, str]:
    boundary = "allin-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def stored(app) -> list[Attachment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Attachment).order_by(Attachment.id)))
        db.session.expunge_all()
        return rows


def folder(app) -> Path:
    return Path(app.instance_path) / app.config["UPLOAD_FOLDER_NAME"]


def files_on_disk(app) -> list[Path]:
    return sorted(folder(app).glob("*")) if folder(app).exists() else []


# ---- images are re-encoded ------------------------------------------------------------------


def test_gps_exif_and_xmp_are_gone_and_orientation_applied(app, client, world, team, login):
    login(team.member)
    original = jpeg()
    assert b"secret place" in original and Image.open(io.BytesIO(original)).getexif()
    response = upload(client, team.concept_id, original, "holiday.jpg")
    assert response.status_code == 302
    [attachment] = stored(app)
    on_disk = (folder(app) / attachment.stored_name).read_bytes()
    served = client.get(f"/concepts/files/{attachment.id}")
    assert served.status_code == 200 and served.data == on_disk
    for data in (on_disk, served.data):
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert image.size == (20, 40)  # orientation 6: turned upright, then forgotten
        assert len(image.getexif()) == 0
        assert "exif" not in image.info and "xmp" not in image.info
        assert b"secret place" not in data and b"Exif" not in data and b"PhoneMaker" not in data
    assert original != on_disk


def test_png_and_webp_are_accepted(app, client, world, team, login):
    login(team.member)
    assert upload(client, team.concept_id, png(), "plan.png").status_code == 302
    webp = io.BytesIO()
    Image.new("RGB", (16, 16)).save(webp, "WEBP")
    assert upload(client, team.concept_id, webp.getvalue(), "x.webp").status_code == 302
    assert [a.content_type for a in stored(app)] == ["image/png", "image/webp"]


# ---- refused uploads write nothing ----------------------------------------------------------

REFUSED = {
    "html renamed": (b"<!doctype html><script>alert(1)</script>", "photo.jpg", "SVG and HTML"),
    "svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
        "logo.svg",
        "SVG and HTML",
    ),
    "empty": (b"", "empty.jpg", "empty"),
    "text": (b"just some text, no image", "notes.png", "JPEG, PNG or WebP"),
    "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "JPEG, PNG or WebP"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_uploads_write_nothing(app, client, world, team, login, case):
    data, name, message = REFUSED[case]
    login(team.member)
    response = upload(client, team.concept_id, data, name)
    assert response.status_code == 200
    page = response.data.decode()
    assert message in page or (case == "empty" and "Choose a file" in page)
    assert stored(app) == [] and files_on_disk(app) == []


def test_a_truncated_jpeg_is_refused(app, client, world, team, login):
    login(team.member)
    data = jpeg(size=(400, 300), gps=False)
    response = upload(client, team.concept_id, data[: len(data) // 2], "cut.jpg")
    assert response.status_code == 200
    assert "damaged or incomplete" in response.data.decode()
    assert stored(app) == [] and files_on_disk(app) == []


def test_a_decompression_bomb_is_refused(app, client, world, team, login):
    login(team.member)
    response = upload(client, team.concept_id, png_header_only(30_000, 30_000), "bomb.png")
    assert response.status_code == 200
    assert "too many pixels" in response.data.decode()
    assert stored(app) == [] and files_on_disk(app) == []


def test_just_over_the_pixel_cap_is_refused_below_pillows_own_error(app):
    """Between the cap and twice the cap Pillow only warns: our own check refuses it."""
    with app.app_context():
        with pytest.raises(files.UploadRefused, match="(pixels|piksler)"):
            files.prepare(png_header_only(8000, 6000))  # 48 MP > 40 MP


def test_pillow_limit_follows_the_setting(app):
    assert Image.MAX_IMAGE_PIXELS == app.config["IMAGE_MAX_PIXELS"]


# ---- names ----------------------------------------------------------------------------------


def test_unicode_name_is_kept_for_the_download(app, client, world, team, login):
    login(team.member)
    upload(client, team.concept_id, jpeg(gps=False), "Bilde_æøå.jpg")
    [attachment] = stored(app)
    assert attachment.original_name == "Bilde_æøå.jpg"
    assert attachment.stored_name != "Bilde_æøå.jpg" and len(attachment.stored_name) == 36
    response = client.get(f"/concepts/files/{attachment.id}?download=1")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''Bilde_%C3%A6%C3%B8%C3%A5.jpg" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "Bilde_æøå.jpg" in client.get(f"/concepts/{team.concept_id}").data.decode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\win.ini.png", "win.ini.jpg"),
        ("a" * 300 + ".jpg", "a" * 196 + ".jpg"),
        ("rapport.pdf", "rapport.jpg"),  # what the file is decides its extension
        ("\u202egpj.exe", "gpj.jpg"),
    ],
)
def test_odd_names_are_stored_safely(app, client, world, team, login, name, expected):
    login(team.member)
    assert upload(client, team.concept_id, jpeg(gps=False), name).status_code == 302
    [attachment] = stored(app)
    assert attachment.original_name == expected
    assert [p.name for p in files_on_disk(app)] == [attachment.stored_name]


def test_pdf_is_stored_as_sent_and_always_downloaded(app, client, world, team, login):
    login(team.member)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert upload(client, team.concept_id, pdf, "Plan for høsten.pdf").status_code == 302
    [attachment] = stored(app)
    assert not attachment.shows_people
    response = client.get(f"/concepts/files/{attachment.id}")
    assert response.data == pdf and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''Plan%20for%20h%C3%B8sten.pdf" in response.headers["Content-Disposition"]
    )


# ---- access ---------------------------------------------------------------------------------


def test_file_of_another_municipality_is_404(app, client, world, team, login):
    with app.app_context():
        b = db.session.get(Municipality, world.municipality_b)
        concept = make_concept(make_cohort(b))
        actor = db.session.get(User, world.b["coordinator"].id)
        foreign = files.add_attachment(concept, actor=actor, data=png(), filename="b.png")
        db.session.commit()
        foreign_id = foreign.id
    login(world.a["coordinator"])
    assert client.get(f"/concepts/files/{foreign_id}").status_code == 404
    assert client.post(f"/concepts/files/{foreign_id}/delete").status_code == 404
    assert client.get(f"/concepts/photos/{foreign_id}").status_code == 404


def test_readers_download_but_do_not_upload(app, client, world, team, login):
    login(team.member)
    upload(client, team.concept_id, png(), "plan.png", shows_people="")  # shows nobody
    [attachment] = stored(app)
    client.post("/logout")
    login(team.reader)
    assert client.get(f"/concepts/files/{attachment.id}").status_code == 200
    assert upload(client, team.concept_id, png(), "mine.png").status_code == 403
    client.post("/logout")
    login(team.outsider)
    assert client.get(f"/concepts/files/{attachment.id}").status_code == 404


def test_no_static_url_serves_uploads(app, client, world, team, login):
    login(team.member)
    upload(client, team.concept_id, png(), "plan.png")
    [attachment] = stored(app)
    assert client.get(f"/static/{attachment.stored_name}").status_code == 404
    assert client.get(f"/static/../instance/uploads/{attachment.stored_name}").status_code == 404


# ---- files and transactions -----------------------------------------------------------------


def test_no_file_is_left_when_the_transaction_fails(app, client, world, team, login, monkeypatch):
    def fail(*args, **kwargs):
        raise DomainError("the database said no")

    login(team.member)
    monkeypatch.setattr(files.audit, "record", fail)
    response = upload(client, team.concept_id, png(), "plan.png")
    assert response.status_code == 200 and "the database said no" in response.data.decode()
    assert stored(app) == [] and files_on_disk(app) == []


def test_no_file_is_left_after_an_unexpected_error(app, client, world, team, login, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    login(team.member)
    monkeypatch.setattr(files.audit, "record", crash)
    assert upload(client, team.concept_id, png(), "plan.png").status_code == 500
    assert stored(app) == [] and files_on_disk(app) == []


def test_rollback_removes_the_new_file(app, world, team):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        actor = db.session.get(User, team.member.id)
        attachment = files.add_attachment(concept, actor=actor, data=png(), filename="p.png")
        path = files.file_path(attachment)
        assert path.exists()
        db.session.rollback()
        assert not path.exists()


def test_delete_removes_the_file_only_after_commit(app, client, world, team, login):
    login(team.member)
    upload(client, team.concept_id, png(), "plan.png")
    [attachment] = stored(app)
    with app.app_context():
        row = db.session.get(Attachment, attachment.id)
        concept = db.session.get(Concept, team.concept_id)
        actor = db.session.get(User, team.member.id)
        path = files.file_path(row)
        files.delete_attachment(row, concept, actor=actor)
        assert path.exists()
        db.session.rollback()  # the deletion failed: the file stays with its row
        assert path.exists()
        row = db.session.get(Attachment, attachment.id)
        files.delete_attachment(row, concept, actor=actor)
        db.session.commit()
        assert not path.exists()


def test_delete_through_the_page_asks_first(app, client, world, team, login):
    from tests.factories import CONFIRMED

    login(team.member)
    upload(client, team.concept_id, png(), "plan.png")
    [attachment] = stored(app)
    url = f"/concepts/files/{attachment.id}/delete"
    assert client.post(url).status_code == 200 and len(files_on_disk(app)) == 1
    assert client.post(url, data=CONFIRMED).status_code == 302
    assert stored(app) == [] and files_on_disk(app) == []


def test_too_large_through_the_test_client(app, client, world, team, login):
    login(team.member)
    big = b"%PDF-" + b"0" * (app.config["ATTACHMENT_MAX_BYTES"] + 70 * 1024)
    body, content_type = multipart(big, "big.pdf")
    # Bytes, not a file: the test client would spool a large file part to a temporary file.
    response = client.post(
        f"/concepts/{team.concept_id}/files", data=body, content_type=content_type
    )
    assert response.status_code == 413
    assert "larger than 10 MB" in response.data.decode()
    assert stored(app) == []


def test_count_of_rows_matches_files(app, client, world, team, login):
    login(team.member)
    for n in range(3):
        upload(client, team.concept_id, png(), f"p{n}.png")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 3
    assert len(files_on_disk(app)) == 3


def test_staff_of_the_municipality_may_upload(app, client, world, team, login):
    login(world.a["youth_worker"])
    assert upload(client, team.concept_id, png(), "plan.png").status_code == 302
    client.post("/logout")
    login(world.admin)
    assert upload(client, team.concept_id, png(), "plan.png").status_code == 403


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_images_are_scaled_to_the_largest_side(app, fmt):
    app.config["IMAGE_MAX_SIDE"] = 40
    out = io.BytesIO()
    Image.new("RGB", (200, 100), (1, 2, 3)).save(out, fmt)
    with app.app_context():
        prepared = files.prepare(out.getvalue())
    assert Image.open(io.BytesIO(prepared.data)).size == (40, 20)


def test_a_concept_has_at_most_so_many_files(app, client, world, team, login):
    app.config["ATTACHMENTS_PER_CONCEPT"] = 2
    login(team.member)
    for n in range(2):
        assert upload(client, team.concept_id, png(), f"p{n}.png").status_code == 302
    response = upload(client, team.concept_id, png(), "p3.png")
    assert response.status_code == 200 and "at most 2 files" in response.data.decode()
    assert len(stored(app)) == 2 and len(files_on_disk(app)) == 2


def test_photos_of_people_are_for_the_team_and_staff_not_the_whole_cohort(
    app, client, world, team, login
):
    """SECURITY 24-25: another ambassador of the cohort reads the concept and its other
    files, but not a photo that shows people."""
    from allin.models import Concept

    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        concept.submitted_at = concept.submitted_at or concept.created_at
        actor = db.session.get(User, team.member.id)
        people = files.add_attachment(concept, actor=actor, data=png(), filename="oss.png")
        poster = files.add_attachment(
            concept, actor=actor, data=png(), filename="plakat.png", shows_people=False
        )
        db.session.commit()
        people_id, poster_id = people.id, poster.id
    login(team.reader)
    assert client.get(f"/concepts/files/{poster_id}").status_code == 200
    assert client.get(f"/concepts/files/{people_id}").status_code == 404
    client.post("/logout")
    login(team.teammate)
    assert client.get(f"/concepts/files/{people_id}").status_code == 200
    client.post("/logout")
    login(world.a["youth_worker"])
    assert client.get(f"/concepts/files/{people_id}").status_code == 200


def test_one_persons_uploads_have_a_limit(app, client, world, team, login):
    """SECURITY 20: a per-user quota, refused with a clear message and nothing written."""
    pdf = b"%PDF-1.4\n" + b"0" * 40_000
    app.config["ATTACHMENTS_USER_MAX_MB"] = 0.1  # about 105 kB: two of these fit
    login(team.member)
    for n in range(2):
        assert upload(client, team.concept_id, pdf, f"plan{n}.pdf").status_code == 302
    refused = upload(client, team.concept_id, pdf, "plan3.pdf")
    assert refused.status_code == 200
    assert "your uploads may take 0.1 MB together" in refused.data.decode()
    assert len(stored(app)) == 2 and len(files_on_disk(app)) == 2
    client.post("/logout")
    login(team.teammate)  # someone else on the team still has room
    assert upload(client, team.concept_id, pdf, "plan3.pdf").status_code == 302


def test_one_municipalitys_concept_files_have_a_limit(app, client, world, team, login):
    pdf = b"%PDF-1.4\n" + b"0" * 40_000
    app.config["ATTACHMENTS_MUNICIPALITY_MAX_MB"] = 0.1
    login(team.member)
    upload(client, team.concept_id, pdf, "plan1.pdf")
    client.post("/logout")
    login(team.teammate)
    upload(client, team.concept_id, pdf, "plan2.pdf")
    refused = upload(client, team.concept_id, pdf, "plan3.pdf")
    assert refused.status_code == 200
    assert "Your municipality has no room for more concept files" in refused.data.decode()
    assert len(stored(app)) == 2 and len(files_on_disk(app)) == 2


# ---- quotas under parallel uploads ----------------------------------------------------------

PARALLEL = 8


@pytest.mark.parametrize("config_overrides", [{"ATTACHMENTS_PER_CONCEPT": 3}])
def test_parallel_uploads_keep_to_the_limit(app, world, team):
    """Eight uploads at once, each with a connection of its own, against a limit of three:
    exactly three files. On PostgreSQL each upload counts outside any lock unless it takes
    one (two transactions both see two files and both add a third); on SQLite writers
    queue for the database's single write lock anyway, so there this checks the same rule
    without a race to lose."""
    import threading

    from allin.extensions import db as database

    start = threading.Barrier(PARALLEL)
    outcomes: list[str] = []
    data = png()

    def upload(n: int) -> None:
        with app.app_context():
            concept = database.session.get(Concept, team.concept_id)
            actor = database.session.get(User, team.member.id)
            database.session.commit()  # SQLite: no transaction (and its lock) while waiting
            start.wait(timeout=30)
            try:
                files.add_attachment(concept, actor=actor, data=data, filename=f"{n}.png")
                database.session.commit()
                outcomes.append("stored")
            except files.UploadRefused:
                database.session.rollback()
                outcomes.append("refused")
            except Exception as exc:  # noqa: BLE001 - shown by the assertion below
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == PARALLEL
    assert outcomes.count("stored") == 3, outcomes
    with app.app_context():
        stored = database.session.scalar(
            select(func.count()).where(Attachment.concept_id == team.concept_id)
        )
        assert stored == 3
        on_disk = list(files.upload_folder().iterdir())
        assert len(on_disk) == 3  # the refused ones left no file behind
