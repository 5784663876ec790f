"""Videotron boards as a channel: slides and playlist in a local folder or on the player's computer over
rsync (swapped in atomically there); withdrawn and expired announcements leave the playlist."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import SOP_RILIS, Person, Site, make_site
from publish_helpers import PUBLISH_YML, approved_release, isolated_env, publish_json, records, release_text
from sshd_helpers import SshServer, serve_sshd

WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def player(tmp_path: Path) -> Iterator[SshServer]:
    base = tmp_path / "sshd"
    base.mkdir()
    yield from serve_sshd(base, SshServer)


def _office(tmp_path: Path, cast: dict[str, Person], channel: str) -> Site:
    head, tail = PUBLISH_YML[:PUBLISH_YML.index("channels:")], PUBLISH_YML[PUBLISH_YML.index("deploy:"):]
    text = head + "channels:\n" + channel + tail
    sop = SOP_RILIS.replace("aksi: terbit_website", "aksi: [terbit_website, tayang_videotron]")
    return make_site(tmp_path, cast, extra={"warta.yml": text, "sop/rilis-uji.yaml": sop})


def _playlist(folder: Path) -> list[str]:
    data = json.loads((folder / "simpang-empat" / "playlist.json").read_text(encoding="utf-8"))
    return [str(s["release"]) for s in data["slides"]]


def test_boards_go_to_the_player_over_rsync_and_expired_items_leave(tmp_path: Path, cast: dict[str, Person],
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   player: SshServer) -> None:
    remote = tmp_path / "player" / "layar"
    remote.parent.mkdir()
    channel = (f"  layar: {{type: videotron, rsync_destination: 'ssh://{player.user}@127.0.0.1:{player.port}{remote}', "
               f"token_env: T_PLAYER, known_hosts: '{player.known_hosts}'}}\n")
    office = _office(tmp_path, cast, channel)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    today = dt.date.today()
    stays = approved_release(office, "pasar-murah", kind="pengumuman", text=release_text(
        "Pasar Murah", berlaku_sampai=(today + dt.timedelta(days=30)).isoformat()))
    ends = approved_release(office, "vaksinasi", kind="pengumuman", text=release_text(
        "Vaksinasi Ternak", berlaku_sampai=(today + dt.timedelta(days=2)).isoformat()))
    env = {"T_PLAYER": player.key}
    code, doc = publish_json(office, env=env)
    assert code == 0, (doc["channel_errors"], doc["problems"], doc.get("warnings"))
    assert sorted(_playlist(remote)) == sorted([stays, ends])
    entry = next(c for c in records(office.root)[stays]["channels"] if c["channel"] == "layar")
    assert entry["state"] == "sent" and str(entry["url"]).startswith(f"ssh://{player.user}@127.0.0.1")
    # three days later the second announcement has expired: it leaves the board
    later = dt.datetime.combine(today + dt.timedelta(days=3), dt.time(9, 0), WIB).isoformat()
    code, doc = publish_json(office, env={**env, "WARTA_NOW": later})
    assert code == 0, doc
    assert _playlist(remote) == [stays]
    assert remote.is_symlink()  # swapped in atomically on the player's side


def test_a_missing_player_key_is_a_channel_error_that_holds_nothing(tmp_path: Path, cast: dict[str, Person],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    channel = ("  layar: {type: videotron, rsync_destination: 'ssh://pemutar@127.0.0.1:9/srv/layar', "
               "token_env: T_PLAYER}\n")
    office = _office(tmp_path, cast, channel)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    approved_release(office, "pasar-murah", kind="pengumuman")
    code, doc = publish_json(office)
    assert code == 1 and doc["held"] == []
    assert any("T_PLAYER" in e for e in doc["channel_errors"]), doc["channel_errors"]


def test_a_local_board_folder_outside_the_repository(tmp_path: Path, cast: dict[str, Person],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "srv" / "videotron"
    office = _office(tmp_path, cast, f"  layar: {{type: videotron, folder: '{folder}'}}\n")
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    path = approved_release(office, "pasar-murah", kind="pengumuman")
    code, doc = publish_json(office)
    assert code == 0, doc
    assert _playlist(folder) == [path]
