"""The forges' HTTP client against a local server: Link pages, rate limits (403 with x-ratelimit-reset, 429
with retry-after), timeouts, dropped connections, redirects and the token never shown or sent elsewhere."""

from __future__ import annotations

import pytest
from servers import TOKEN, GitHubServer

from pipeline.forges.base import User
from pipeline.forges.github import GitHub, headers
from pipeline.forges.http import MAX_RETRIES, ForgeConfigError, ForgeError, Http, next_link


class Sleeps:
    """Records the waits instead of sleeping (the client's clock is the real one)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client(server: GitHubServer, *, token: str = TOKEN, sleeps: Sleeps | None = None, timeout: float = 5.0,
           max_wait: float = 60.0) -> GitHub:
    http = Http(server.url, headers(token), token, name="github", timeout=(timeout, timeout), max_wait=max_wait,
                sleep=sleeps or Sleeps())
    return GitHub(http, server.repository)


def test_next_link_is_read_from_the_link_header() -> None:
    header = '<https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last"'
    assert next_link(header) == "https://api.github.com/x?page=3"
    assert next_link('<https://api.github.com/x?page=1>; rel="prev"') is None


def test_every_page_of_reviews_is_read_in_order(gh: GitHubServer) -> None:
    gh.add_pull(7, "a" * 40, (101, "rina-gh"))
    ids = [gh.review(7, (201, "dwi-gh"), "COMMENTED", "a" * 40, 1_700_000_000 + i) for i in range(230)]
    forge = client(gh)
    reviews = forge.reviews(forge.pull_request(7))
    assert [int(r.id) for r in reviews] == ids
    pages = gh.seen(r"/pulls/7/reviews$")
    assert len(pages) == 3 and pages[0]["query"]["per_page"] == "100"


def test_a_rate_limit_with_a_reset_time_is_waited_out(gh: GitHubServer) -> None:
    gh.add_pull(7, "a" * 40, (101, "rina-gh"))
    gh.faults.append("ratelimit")
    sleeps = Sleeps()
    assert client(gh, sleeps=sleeps).pull_request(7).number == 7
    assert len(sleeps.waits) == 1 and 1 <= sleeps.waits[0] <= 4  # reset is 2 s ahead, plus a second


def test_a_429_waits_what_retry_after_says(gh: GitHubServer) -> None:
    gh.add_pull(7, "a" * 40, (101, "rina-gh"))
    gh.faults.append("retry-after")
    sleeps = Sleeps()
    client(gh, sleeps=sleeps).pull_request(7)
    assert sleeps.waits == [3.0]


def test_a_rate_limit_longer_than_allowed_fails_with_the_reset_time(gh: GitHubServer) -> None:
    gh.faults.append("far-reset")
    sleeps = Sleeps()
    with pytest.raises(ForgeError, match="rate limit reached .* resets at"):
        client(gh, sleeps=sleeps, max_wait=60).pull_request(7)
    assert sleeps.waits == []


def test_a_server_that_never_answers_times_out(gh: GitHubServer) -> None:
    gh.faults.append("stall")
    with pytest.raises(ForgeError, match="no answer from .* within 0.3 s"):
        client(gh, timeout=0.3).pull_request(7)


def test_a_dropped_connection_is_an_error_not_a_traceback(gh: GitHubServer) -> None:
    gh.faults.append("drop")
    with pytest.raises(ForgeError, match="cannot reach"):
        client(gh).pull_request(7)


def test_a_redirect_is_not_followed_with_the_token(gh: GitHubServer) -> None:
    elsewhere = GitHubServer().start()
    try:
        gh.faults.append(f"redirect:{elsewhere.url}")
        with pytest.raises(ForgeConfigError, match="does not follow redirects"):
            client(gh).pull_request(7)
        assert elsewhere.requests == []
    finally:
        elsewhere.stop()


def test_a_next_page_on_another_host_is_refused(gh: GitHubServer) -> None:
    elsewhere = GitHubServer().start()
    try:
        gh.add_pull(7, "a" * 40, (101, "rina-gh"))
        for i in range(3):
            gh.review(7, (201, "dwi-gh"), "COMMENTED", "a" * 40, 1_700_000_000 + i)
        gh.url, real = elsewhere.url, gh.url  # the Link header now points at the other server
        forge = client(gh)
        forge.http.base = real
        gh_pages = forge.http.pages
        with pytest.raises(ForgeError, match="refusing to send the token"):
            gh_pages(f"/repos/{gh.repository}/pulls/7/reviews", {"per_page": 2})
        assert elsewhere.requests == []
    finally:
        elsewhere.stop()


def test_a_refused_token_is_a_configuration_error_that_never_shows_it(gh: GitHubServer) -> None:
    wrong = "ghp_wrong_secret_value_42"
    with pytest.raises(ForgeConfigError) as caught:
        client(gh, token=wrong).pull_request(7)
    assert caught.value.exit_code == 2 and "401" in str(caught.value) and wrong not in str(caught.value)


def test_the_token_is_redacted_from_messages_that_echo_it(gh: GitHubServer) -> None:
    gh.route("GET", r"/echo", lambda **_: (422, {}, {"message": f"bad token {TOKEN}"}))
    forge = client(gh)
    with pytest.raises(ForgeError) as caught:
        forge.http.get("/echo")
    assert TOKEN not in str(caught.value) and "***" in str(caught.value)


def test_the_token_is_sent_as_a_bearer_header_with_the_api_version(gh: GitHubServer) -> None:
    gh.add_pull(7, "a" * 40, (101, "rina-gh"))
    client(gh).pull_request(7)
    sent = gh.requests[-1]["headers"]
    assert sent["Authorization"] == f"Bearer {TOKEN}" and sent["X-GitHub-Api-Version"] == "2022-11-28"


def test_a_server_error_is_not_taken_for_an_answer(gh: GitHubServer) -> None:
    gh.faults.append("500")
    with pytest.raises(ForgeError, match="server failed"):
        client(gh).pull_request(7)


def test_collaborator_means_the_same_account_with_write_access(gh: GitHubServer) -> None:
    forge = client(gh)
    gh.collaborator((201, "dwi-gh"), "write")
    gh.collaborator((202, "ani-gh"), "read")
    assert forge.is_collaborator(User(201, "dwi-gh"))
    assert not forge.is_collaborator(User(202, "ani-gh"))
    assert not forge.is_collaborator(User(999, "dwi-gh"))  # the login, another account
    assert not forge.is_collaborator(User(303, "nobody-gh"))  # 404


def test_a_server_that_always_says_retry_now_does_not_loop_forever(gh: GitHubServer) -> None:
    gh.route("GET", r"/busy", lambda **_: (429, {"retry-after": "0"}, {"message": "slow down"}))
    sleeps = Sleeps()
    with pytest.raises(ForgeError, match="rate limit reached"):
        client(gh, sleeps=sleeps).http.get("/busy")
    assert len(gh.seen("^/busy$")) == MAX_RETRIES + 1 and len(sleeps.waits) == MAX_RETRIES
