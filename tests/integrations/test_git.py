"""GitRepository against real repositories in tmp_path, with a bare repository as the remote."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from martflow.errors import GitError, HookRefusedError, MartflowError, RemoteUnavailableError
from martflow.integrations.git import GitRepository, NothingToCommitError, first_line

BRANCH = "feature/ABC-1-orders"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def set_identity(root: Path) -> None:
    git(root, "config", "user.name", "Test Engineer")
    git(root, "config", "user.email", "engineer@example.invalid")


@pytest.fixture(autouse=True)
def isolated_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git config: identity comes from each repository only."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    set_identity(root)
    write(root / ".gitignore", ".env\ntarget/\n")
    write(root / "README.md", "# analytics\n")
    write(root / "models" / "a.sql", "select 1 as a\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


@pytest.fixture
def repo(work: Path) -> Iterator[GitRepository]:
    with GitRepository(work) as opened:
        yield opened


@pytest.fixture
def remote(tmp_path: Path, work: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(work, "remote", "add", "origin", str(bare))
    return bare


def files_in_commit(root: Path, sha: str) -> set[str]:
    return set(git(root, "show", "--name-only", "--format=", sha).splitlines())


# -- opening -----------------------------------------------------------------------


def test_opening_a_plain_folder_names_it(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match="plain is not a git repository"):
        GitRepository(plain)
    with pytest.raises(GitError, match="missing is not a git repository"):
        GitRepository(tmp_path / "missing")


def test_opening_a_subfolder_or_bare_repository_is_refused(work: Path, remote: Path) -> None:
    with pytest.raises(GitError, match="models is not a git repository"):
        GitRepository(work / "models")
    with pytest.raises(GitError, match="bare"):
        GitRepository(remote)


# -- start_branch ------------------------------------------------------------------


def test_start_branch_creates_from_head(repo: GitRepository, work: Path) -> None:
    main_sha = repo.head_sha()
    assert repo.start_branch(BRANCH) == BRANCH
    assert repo.current_branch() == BRANCH
    assert git(work, "rev-parse", BRANCH) == main_sha
    upstream = subprocess.run(
        ["git", "config", "--get", f"branch.{BRANCH}.merge"], cwd=work, check=False
    )
    assert upstream.returncode == 1


def test_start_branch_checks_out_an_existing_branch(repo: GitRepository, work: Path) -> None:
    git(work, "switch", "-q", "-c", BRANCH)
    write(work / "models" / "b.sql", "select 2 as b\n")
    git(work, "add", "models/b.sql")
    git(work, "commit", "-q", "-m", "b")
    branch_sha = git(work, "rev-parse", "HEAD")
    git(work, "switch", "-q", "main")

    assert repo.start_branch(BRANCH) == BRANCH
    assert repo.current_branch() == BRANCH
    assert repo.head_sha() == branch_sha
    assert (work / "models" / "b.sql").exists()


def test_start_branch_on_the_current_branch_is_a_no_op(repo: GitRepository, work: Path) -> None:
    repo.start_branch(BRANCH)
    write(work / "models" / "wip.sql", "select 3\n")
    assert repo.start_branch(BRANCH) == BRANCH
    assert (work / "models" / "wip.sql").exists()
    assert git(work, "branch", "--format=%(refname:short)").splitlines() == [BRANCH, "main"]


def test_dirty_tracked_file_is_refused(repo: GitRepository, work: Path) -> None:
    write(work / "README.md", "changed\n")
    with pytest.raises(GitError, match=r"uncommitted changes .*README\.md"):
        repo.start_branch(BRANCH)
    assert repo.current_branch() == "main"


def test_staged_change_is_refused(repo: GitRepository, work: Path) -> None:
    write(work / "models" / "a.sql", "select 42 as a\n")
    git(work, "add", "models/a.sql")
    write(work / "models" / "a.sql", "select 1 as a\n")
    with pytest.raises(GitError, match=r"models/a\.sql"):
        repo.start_branch(BRANCH)


def test_untracked_files_are_accepted_and_carried_over_but_never_overwritten(
    repo: GitRepository, work: Path
) -> None:
    write(work / ".env", "JIRA_API_TOKEN=secret\n")
    write(work / "target" / "manifest.json", "{}\n")
    assert repo.is_clean()
    write(work / "notes" / "todo.txt", "x\n")
    write(work / "models" / "scratch.sql", "select 1 as scratch\n")
    assert not repo.is_clean()
    assert repo.start_branch(BRANCH) == BRANCH
    assert (work / "models" / "scratch.sql").read_text() == "select 1 as scratch\n"
    # A branch that has the file: git refuses to overwrite the untracked copy, martflow says so.
    git(work, "switch", "-q", "main")
    git(work, "switch", "-q", "-c", "other")
    write(work / "notes" / "todo.txt", "committed\n")
    git(work, "add", "notes/todo.txt")
    git(work, "commit", "-qm", "todo")
    git(work, "switch", "-q", "main")
    write(work / "notes" / "todo.txt", "mine\n")
    with pytest.raises(GitError, match=r"notes/todo\.txt|overwritten"):
        repo.start_branch("other")
    assert (work / "notes" / "todo.txt").read_text() == "mine\n"
    assert repo.current_branch() == "main"


def test_allowed_dirty_folder_covers_everything_under_it(repo: GitRepository, work: Path) -> None:
    write(work / "models" / "staging" / "stg_orders.sql", "select 1\n")
    write(work / "models" / "a.sql", "select 2 as a\n")
    assert repo.start_branch(BRANCH, allowed_dirty=["models"]) == BRANCH
    assert repo.current_branch() == BRANCH
    assert (work / "models" / "staging" / "stg_orders.sql").exists()
    assert (work / "models" / "a.sql").read_text() == "select 2 as a\n"


def test_allowed_dirty_does_not_cover_other_paths(repo: GitRepository, work: Path) -> None:
    write(work / "models" / "a.sql", "select 2 as a\n")
    write(work / "modelsx.sql", "select 3\n")
    write(work / "README.md", "changed\n")
    with pytest.raises(GitError) as caught:
        repo.start_branch(BRANCH, allowed_dirty=["models/", "models/a.sql"])
    assert "README.md" in caught.value.message
    assert "modelsx.sql" not in caught.value.message  # untracked: accepted
    assert "models/a.sql" not in caught.value.message


def test_dirty_listing_is_capped_at_five(repo: GitRepository, work: Path) -> None:
    for i in range(8):
        write(work / f"f{i}.txt", "x\n")
    git(work, "add", ".")
    with pytest.raises(GitError, match=r"\(\+3 more\)") as caught:
        repo.start_branch(BRANCH)
    assert sum(f"f{i}.txt" in caught.value.message for i in range(8)) == 5


def test_detached_head_is_refused(repo: GitRepository, work: Path) -> None:
    git(work, "checkout", "-q", "--detach")
    with pytest.raises(GitError, match="detached"):
        repo.start_branch(BRANCH)
    with pytest.raises(GitError, match="detached"):
        repo.current_branch()


def test_merge_in_progress_is_refused(repo: GitRepository, work: Path) -> None:
    git(work, "switch", "-q", "-c", "other")
    write(work / "models" / "a.sql", "select 'other' as a\n")
    git(work, "commit", "-q", "-am", "other")
    git(work, "switch", "-q", "main")
    write(work / "models" / "a.sql", "select 'main' as a\n")
    git(work, "commit", "-q", "-am", "main")
    merge = subprocess.run(["git", "merge", "other"], cwd=work, capture_output=True, check=False)
    assert merge.returncode != 0
    assert (work / ".git" / "MERGE_HEAD").exists()

    with pytest.raises(GitError, match="a merge is in progress"):
        repo.start_branch(BRANCH)
    with pytest.raises(GitError, match="a merge is in progress"):
        repo.commit(["models/a.sql"], "resolve", "run-merge")


def test_invalid_branch_name_is_refused(repo: GitRepository) -> None:
    with pytest.raises(GitError, match=r"not a valid branch name: it contains '\.\.'"):
        repo.start_branch("feature/../x")


# -- commit -----------------------------------------------------------------------


def test_commit_stages_exactly_the_listed_paths(repo: GitRepository, work: Path) -> None:
    repo.start_branch(BRANCH)
    write(work / "models" / "a.sql", "select 10 as a\n")
    write(work / "models" / "staging" / "stg_orders.sql", "select 1 as id\n")
    write(work / "README.md", "unrelated edit\n")
    write(work / "scratch.sql", "select 'untracked'\n")
    write(work / "docs" / "staged.md", "staged by the user\n")
    git(work, "add", "docs/staged.md")
    write(work / ".env", "JIRA_API_TOKEN=secret\n")
    write(work / "target" / "run_results.json", "{}\n")

    sha = repo.commit(
        ["models/a.sql", str(work / "models" / "staging" / "stg_orders.sql")],
        "ABC-1: scaffold orders",
        "run-1",
    )

    assert sha == git(work, "rev-parse", "HEAD")
    assert files_in_commit(work, sha) == {"models/a.sql", "models/staging/stg_orders.sql"}
    body = git(work, "log", "-1", "--format=%B", sha)
    assert body.splitlines() == ["ABC-1: scaffold orders", "", "Martflow-Run: run-1"]
    status = git(work, "status", "--porcelain=v1", "--untracked-files=all").splitlines()
    assert " M README.md" in status
    assert "A  docs/staged.md" in status
    assert "?? scratch.sql" in status
    assert not any(".env" in line or "target/" in line for line in status)


def test_commit_twice_with_the_same_marker_commits_once(repo: GitRepository, work: Path) -> None:
    repo.start_branch(BRANCH)
    write(work / "models" / "a.sql", "select 10 as a\n")
    first = repo.commit(["models/a.sql"], "first", "run-7")
    write(work / "models" / "a.sql", "select 11 as a\n")
    second = repo.commit(["models/a.sql"], "again", "run-7")
    assert second == first
    assert git(work, "rev-list", "--count", "HEAD") == "2"
    assert repo.find_commit("run-7") == first


def test_find_commit_matches_the_whole_trailer_only(repo: GitRepository, work: Path) -> None:
    assert repo.find_commit("run-1") is None
    write(work / "models" / "a.sql", "select 10 as a\n")
    sha = repo.commit(["models/a.sql"], "mentions Martflow-Run: run-10 in the body", "run-1")
    assert repo.find_commit("run-1") == sha
    assert repo.find_commit("run") is None
    assert repo.find_commit("run-10") is None


def test_find_commit_looks_only_at_the_current_branch(repo: GitRepository, work: Path) -> None:
    repo.start_branch(BRANCH)
    write(work / "models" / "a.sql", "select 10 as a\n")
    repo.commit(["models/a.sql"], "on the branch", "run-9")
    git(work, "switch", "-q", "main")
    assert repo.find_commit("run-9") is None


def test_nothing_to_commit_is_a_git_error(repo: GitRepository, work: Path) -> None:
    write(work / "README.md", "other change\n")
    with pytest.raises(NothingToCommitError, match=r"nothing to commit for models/a\.sql"):
        repo.commit(["models/a.sql"], "no-op", "run-2")
    assert isinstance(NothingToCommitError("x"), GitError)
    assert git(work, "rev-list", "--count", "HEAD") == "1"


def test_commit_records_a_deleted_file(repo: GitRepository, work: Path) -> None:
    (work / "models" / "a.sql").unlink()
    sha = repo.commit(["models/a.sql"], "drop a", "run-3")
    assert git(work, "show", "--name-status", "--format=", sha) == "D\tmodels/a.sql"
    assert git(work, "ls-tree", "-r", "--name-only", "HEAD") == ".gitignore\nREADME.md"


def test_commit_of_a_missing_untracked_path_names_it(repo: GitRepository) -> None:
    with pytest.raises(GitError, match=r"cannot commit models/ghost\.sql: no such file"):
        repo.commit(["models/ghost.sql"], "ghost", "run-4")


def test_pathspec_magic_is_taken_literally(repo: GitRepository, work: Path) -> None:
    write(work / "models" / "a.sql", "select 10 as a\n")
    write(work / "models" / "b.sql", "select 20 as b\n")
    with pytest.raises(GitError, match=r"models/\*\.sql"):
        repo.commit(["models/*.sql"], "glob", "run-5")
    assert git(work, "diff", "--cached", "--name-only") == ""


def test_a_file_named_like_a_glob_stages_only_itself(repo: GitRepository, work: Path) -> None:
    write(work / "models" / "a.sql", "select 10 as a\n")
    write(work / "models" / "*.sql", "select 'star'\n")
    sha = repo.commit(["models/*.sql"], "star", "run-15")
    assert files_in_commit(work, sha) == {"models/*.sql"}
    assert git(work, "diff", "--cached", "--name-only") == ""
    assert git(work, "diff", "--name-only") == "models/a.sql"


@pytest.mark.parametrize("bad", ["../outside.sql", "models/../../outside.sql", "/etc/passwd"])
def test_paths_outside_the_repository_are_rejected(repo: GitRepository, bad: str) -> None:
    with pytest.raises(GitError, match="outside the repository") as caught:
        repo.commit([bad], "escape", "run-6")
    assert bad in caught.value.message


def test_symlink_escape_is_rejected(repo: GitRepository, work: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.txt", "secret\n")
    (work / "models" / "link.sql").symlink_to(secret)
    (work / "linked_dir").symlink_to(tmp_path)
    with pytest.raises(GitError, match=r"models/link\.sql.*symlink"):
        repo.commit(["models/link.sql"], "escape", "run-6")
    with pytest.raises(GitError, match="outside the repository"):
        repo.commit(["linked_dir/secret.txt"], "escape", "run-6")


def test_git_folder_is_rejected(repo: GitRepository) -> None:
    with pytest.raises(GitError, match=r"\.git folder"):
        repo.commit([".git/config"], "config", "run-6")


@pytest.mark.parametrize("ignored", [".env", "target/run_results.json"])
def test_ignored_paths_are_rejected(repo: GitRepository, work: Path, ignored: str) -> None:
    write(work / ignored, "secret\n")
    refused = rf"{re.escape(ignored)} is ignored|refusing to commit {re.escape(ignored)}"
    with pytest.raises(GitError, match=refused):
        repo.commit(["models/a.sql", ignored], "leak", "run-8")
    assert git(work, "diff", "--cached", "--name-only") == ""


def test_bad_run_marker_is_refused(repo: GitRepository) -> None:
    with pytest.raises(GitError, match="invalid run marker"):
        repo.commit(["models/a.sql"], "x", "two\nlines")


def test_failing_commit_hook_is_a_clean_error(repo: GitRepository, work: Path) -> None:
    hook = write(
        work / ".git" / "hooks" / "pre-commit", "#!/bin/sh\necho 'lint says no' >&2\nexit 1\n"
    )
    hook.chmod(0o755)
    write(work / "models" / "a.sql", "select 10 as a\n")
    with pytest.raises(
        HookRefusedError, match=r"pre-commit hook refused the commit:\nlint says no"
    ):
        repo.commit(["models/a.sql"], "hooked", "run-11")
    assert git(work, "rev-list", "--count", "HEAD") == "1"
    assert git(work, "diff", "--cached", "--name-only") == ""  # the real index untouched


# -- push -------------------------------------------------------------------------


def test_push_sends_the_branch_and_sets_upstream(
    repo: GitRepository, work: Path, remote: Path
) -> None:
    repo.start_branch(BRANCH)
    write(work / "models" / "a.sql", "select 10 as a\n")
    sha = repo.commit(["models/a.sql"], "push me", "run-12")
    repo.push("origin")
    assert git(remote, "rev-parse", f"refs/heads/{BRANCH}") == sha
    assert git(work, "rev-parse", "--abbrev-ref", "@{upstream}") == f"origin/{BRANCH}"
    repo.push("origin")  # nothing new: still fine


def test_push_to_a_missing_remote_path_is_a_clean_error(
    repo: GitRepository, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.git"
    with pytest.raises(GitError, match="does not appear to be a git repository") as caught:
        repo.push(str(missing))
    assert "\n" not in caught.value.message
    assert caught.value.message.startswith("push of main to ")


def test_push_to_an_unknown_remote_name_is_a_git_error(repo: GitRepository) -> None:
    with pytest.raises(GitError, match="'upstream' does not appear"):
        repo.push("upstream")
    with pytest.raises(GitError, match="invalid git remote"):
        repo.push("--force")


def test_push_to_an_unreachable_server_is_transient(repo: GitRepository) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RemoteUnavailableError, match="Failed to connect") as caught:
        repo.push(f"http://127.0.0.1:{port}/analytics.git")
    assert caught.value.applied is None
    assert "\n" not in caught.value.message


def test_rejected_push_is_a_git_error(
    repo: GitRepository, work: Path, remote: Path, tmp_path: Path
) -> None:
    repo.push("origin")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    set_identity(other)
    write(other / "README.md", "someone else\n")
    git(other, "commit", "-q", "-am", "theirs")
    git(other, "push", "-q", "origin", "main")

    write(work / "models" / "a.sql", "select 10 as a\n")
    repo.commit(["models/a.sql"], "ours", "run-13")
    with pytest.raises(GitError, match=r"rejected") as caught:
        repo.push("origin")
    assert not isinstance(caught.value, RemoteUnavailableError)


def test_first_line_skips_noise() -> None:
    stderr = (
        "\nTo /tmp/r.git\n ! [rejected] main -> main (fetch first)\nerror: failed\nhint: pull\n"
    )
    assert first_line(stderr) == "! [rejected] main -> main (fetch first)"
    assert first_line("fatal: bad thing\n") == "bad thing"
    assert first_line("") == "git failed without a message"


# -- init -----------------------------------------------------------------------------


def test_init_commits_everything_not_ignored(tmp_path: Path) -> None:
    root = tmp_path / "new"
    write(root / ".gitignore", "target/\n.env\n")
    write(root / "dbt_project.yml", "name: analytics\n")
    write(root / "models" / "x.sql", "select 1\n")
    write(root / "target" / "manifest.json", "{}\n")
    write(root / ".env", "TOKEN=x\n")

    repo = GitRepository.init(root, message="Start", identity=("Martflow", "bot@example.invalid"))
    try:
        assert repo.current_branch() == "main"
        assert repo.is_clean()
        tree = git(root, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
        assert tree == [".gitignore", "dbt_project.yml", "models/x.sql"]
        assert git(root, "log", "--format=%an <%ae>|%s") == "Martflow <bot@example.invalid>|Start"
    finally:
        repo.close()
    with pytest.raises(GitError, match="already a git repository"):
        GitRepository.init(root)


def test_init_with_initial_paths_commits_only_those(tmp_path: Path) -> None:
    root = tmp_path / "new"
    write(root / "keep.txt", "k\n")
    write(root / "later.txt", "l\n")
    with GitRepository.init(
        root, ["keep.txt"], "first", identity=("M", "m@example.invalid")
    ) as repo:
        assert git(root, "ls-tree", "-r", "--name-only", "HEAD") == "keep.txt"
        assert repo.dirty_paths() == ["later.txt"]
        assert repo.head_sha() == git(root, "rev-parse", "HEAD")


def test_errors_are_martflow_errors_with_one_line(repo: GitRepository) -> None:
    with pytest.raises(MartflowError) as caught:
        repo.start_branch("-x")
    assert "\n" not in str(caught.value)
