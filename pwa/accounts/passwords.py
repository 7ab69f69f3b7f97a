"""What a new password must be: at least 12 characters (up to 1000), not the username, and not one of
the 30,000 most common passwords (the list zxcvbn ships, drawn from leaked-password corpora)."""
import functools

MIN_LENGTH = 12
MAX_LENGTH = 1000


@functools.cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    return password.lower() in _common()


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Readable reasons the password is refused; empty when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters (a few words make a good one)."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    if is_common(password):
        return ["That password is on a list of common passwords that attackers try first. Choose another."]
    if username and password.strip().lower() == username.strip().lower():
        return ["Do not use your username as your password."]
    return []
