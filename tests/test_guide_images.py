"""Pictures for the guide: cleaned on upload, stored outside static/, shown only from the
guide's own addresses, in step with the database (SECURITY.md 20-22)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from allin import files
from allin.extensions import db
from allin.images import clean_image
from allin.markdown import render_markdown
from allin.models import AuditEvent, GuideImage
from tests.conftest import is_postgres
from tests.factories import CONFIRMED, PASSWORD


def picture(fmt: str = "JPEG", size=(64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt, **save)
    return out.getvalue()


def with_gps() -> bytes:
    """A JPEG carrying a GPS position, a camera model and orientation 6 (rotated)."""
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif.get_ifd(0x8825)[2] = (59.0, 3.0, 0.0)  # GPSLatitude
    return picture(size=(80, 40), exif=exif.tobytes())


def upload(client, data: bytes, name: str = "bilde.jpg", consent: bool = True):
    form = {"picture": (io.BytesIO(data), name)}
    if consent:
        form["consent"] = "y"
    return client.post("/guide/manage/images/", data=form, content_type="multipart/form-data")


def stored(app) -> list[GuideImage]:
    with app.app_context():
        return list(db.session.scalars(select(GuideImage).order_by(GuideImage.id)))


def folder_files(app) -> list[Path]:
    path = Path(app.instance_path) / "uploads" / "guide"
    return sorted(path.iterdir()) if path.exists() else []


# ---- cleaning -------------------------------------------------------------------------------


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright():
    clean = clean_image(with_gps(), max_pixels=40_000_000)
    again = Image.open(io.BytesIO(clean.data))
    assert again.format == "JPEG"
    assert dict(again.getexif()) == {}
    assert "exif" not in again.info and "xmp" not in again.info
    assert (again.width, again.height) == (40, 80)  # orientation applied, then dropped
    assert b"Phone X" not in clean.data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<html><script>alert(1)</script></html>", "not a JPEG, PNG or WebP"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "not a JPEG"),
        (b"%PDF-1.7\n", "not a JPEG"),
        (picture("GIF"), "not a JPEG"),
        (picture()[:300], "damaged"),
    ],
    ids=["empty", "html", "svg", "pdf", "gif", "truncated"],
)
def test_what_is_not_a_clean_picture_is_refused_with_a_reason(data, message):
    from allin.errors import DomainError

    with pytest.raises(DomainError, match=message):
        clean_image(data, max_pixels=40_000_000)


@pytest.mark.skipif(is_postgres(), reason="Pillow alone, no database: the SQLite run has it")
def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    from allin.errors import DomainError

    # 30,000 x 30,000 of one colour: a few hundred kB on disk, 2.7 GB once decoded.
    bomb = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(bomb, format="PNG")
    with pytest.raises(DomainError, match="too many pixels"):
        clean_image(bomb.getvalue(), max_pixels=40_000_000)
    # Below Pillow's own limit but above ours: refused too.
    with pytest.raises(DomainError, match="too many pixels"):
        clean_image(picture("PNG", size=(200, 200)), max_pixels=10_000)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_the_three_formats_are_kept_in_their_own_format(fmt):
    clean = clean_image(picture(fmt), max_pixels=40_000_000)
    assert Image.open(io.BytesIO(clean.data)).format == fmt
    assert clean.extension == {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt]


# ---- uploading and serving ------------------------------------------------------------------


def test_a_coordinator_uploads_a_picture_that_is_served_clean(app, client, world, login):
    login(world.a["coordinator"])
    response = upload(client, with_gps(), name="Bilde_æøå.jpg")
    assert response.status_code == 302
    [image] = stored(app)
    assert image.original_name == "Bilde_æøå.jpg"
    assert image.municipality_id == world.municipality_a
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", image.name)
    page = client.get("/guide/manage/images/").data.decode()
    assert "Bilde_æøå.jpg" in page and f"![](/guide/images/{image.name})" in page
    served = client.get(f"/guide/images/{image.name}")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Cache-Control"] == "public, max-age=3600"
    assert dict(Image.open(io.BytesIO(served.data)).getexif()) == {}
    # Outside static/: the file is not reachable there, and the folder is private.
    assert client.get(f"/static/{image.name}").status_code == 404
    assert folder_files(app)[0].stat().st_mode & 0o077 == 0
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "guide.image_uploaded")
        )


def test_a_refused_upload_says_why_next_to_the_field_and_stores_nothing(app, client, world, login):
    login(world.a["coordinator"])
    response = upload(client, b"<html>not a picture</html>", name="cat.jpg")
    assert response.status_code == 200
    page = response.data.decode()
    assert 'id="picture-error"' in page and "ikke et JPEG-, PNG- eller WebP-bilde" in page
    assert stored(app) == [] and folder_files(app) == []


def test_the_photo_consent_must_be_confirmed(app, client, world, login):
    login(world.a["coordinator"])
    response = upload(client, picture(), consent=False)
    assert 'id="consent-error"' in response.data.decode()
    assert stored(app) == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "a" * 300 + ".jpg", "C:\\Users\\x\\b.jpg"])
def test_odd_file_names_are_kept_as_text_only(app, client, world, login, name):
    login(world.a["coordinator"])
    assert upload(client, picture(), name=name).status_code == 302
    [image] = stored(app)
    assert "/" not in image.original_name and "\\" not in image.original_name
    assert len(image.original_name) <= 200
    assert [p.name for p in folder_files(app)] == [image.name]


def test_an_upload_over_the_size_limit_gets_the_upload_page_with_413(app, client, world, login):
    login(world.a["coordinator"])
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = upload(client, picture("PNG", size=(400, 400), compress_level=0))
    assert response.status_code == 413
    page = response.data.decode()
    assert 'id="picture-error"' in page and "større enn" in page
    assert stored(app) == []


def test_a_full_quota_is_refused_with_a_message(app, client, world, login):
    login(world.a["coordinator"])
    assert upload(client, picture()).status_code == 302
    app.config["GUIDE_IMAGES_MAX_MB"] = 0
    response = upload(client, picture())
    assert "Det er ikke plass til flere bilder" in response.data.decode()
    assert len(stored(app)) == 1 and len(folder_files(app)) == 1


def test_only_guide_writers_upload(client, world, login):
    for role in ("youth_worker", "ambassador"):
        login(world.a[role])
        assert upload(client, picture()).status_code == 403


def test_a_failed_transaction_leaves_no_file_behind(app, world):
    with app.test_request_context():
        name = files.save("guide", b"x", "jpg")
        assert (Path(app.instance_path) / "uploads" / "guide" / name).exists()
        db.session.rollback()
        assert folder_files(app) == []


def test_a_deletion_removes_the_file_only_once_committed(app, client, world, login):
    login(world.a["coordinator"])
    upload(client, picture())
    [image] = stored(app)
    # Without confirmation nothing happens.
    client.post(f"/guide/manage/images/{image.id}/delete")
    assert len(stored(app)) == 1 and len(folder_files(app)) == 1
    with app.test_request_context():
        files.delete_after_commit("guide", image.name)
        db.session.rollback()
    assert len(folder_files(app)) == 1  # rolled back: the row and its file stay
    response = client.post(f"/guide/manage/images/{image.id}/delete", data=CONFIRMED)
    assert response.status_code == 302
    assert stored(app) == [] and folder_files(app) == []
    assert client.get(f"/guide/images/{image.name}").status_code == 404


def test_another_municipalitys_pictures_are_not_listed_or_deleted(app, client, world, login):
    other = app.test_client()
    other.post("/login", data={"login": world.b["coordinator"].login, "password": PASSWORD})
    upload(other, picture(), name="kristiansand.jpg")
    [image] = stored(app)
    login(world.a["coordinator"])
    assert "kristiansand.jpg" not in client.get("/guide/manage/images/").data.decode()
    response = client.post(f"/guide/manage/images/{image.id}/delete", data=CONFIRMED)
    assert response.status_code == 404
    assert len(stored(app)) == 1


def test_unknown_or_malformed_names_answer_404(client, world):
    for name in ("0" * 32 + ".jpg", "..%2f..%2fallin.sqlite", "x.jpg"):
        assert client.get(f"/guide/images/{name}").status_code == 404


# ---- in entries -----------------------------------------------------------------------------


def test_entries_show_the_guides_own_pictures_and_no_others():
    own = "/guide/images/" + "a" * 32 + ".png"
    html = str(render_markdown(f"![A camp]({own}) ![track](https://tracker.example/p.gif)"))
    assert f'<img src="{own}" alt="A camp">' in html
    assert "tracker.example" not in html and html.count("<img") == 1
    assert "track" in html  # the refused picture's text stays
    for odd in (own + "?x=1", own.replace(".png", ".svg"), "//evil.example" + own):
        assert "<img" not in str(render_markdown(f"![x]({odd})"))


def test_the_pictures_page_sends_as_many_queries_for_3_as_for_30(
    app, world, login, assert_constant_queries
):
    login(world.a["coordinator"])

    def add(count):
        with app.app_context():
            start = db.session.scalar(select(func.count()).select_from(GuideImage))
            for n in range(start, start + count):
                db.session.add(
                    GuideImage(
                        name=f"{n + 100:032x}.png",
                        original_name=f"{n}.png",
                        mime="image/png",
                        width=1,
                        height=1,
                        size=1,
                        municipality_id=world.municipality_a,
                    )
                )
            db.session.commit()

    add(3)
    queries = assert_constant_queries("/guide/manage/images/", lambda: add(27))
    assert queries <= 5, queries
    print(f"pictures page: {queries} queries at 3 and at 30 pictures")


def test_a_phones_multi_picture_jpeg_is_kept_as_a_plain_jpeg():
    """HDR and depth photos from phones are MPO files (a JPEG with more images inside)."""
    out = io.BytesIO()
    first, second = Image.new("RGB", (60, 40), "red"), Image.new("RGB", (60, 40), "blue")
    first.save(out, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    clean = clean_image(out.getvalue(), max_pixels=40_000_000)
    assert clean.mime == "image/jpeg" and clean.extension == "jpg"
    assert Image.open(io.BytesIO(clean.data)).format == "JPEG"
