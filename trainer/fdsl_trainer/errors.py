"""Errors whose message reaches the user, with the exit code to use."""

# Exit codes match the fdsl command line: 2 for bad input, 1 for a failure.
EXIT_USAGE = 2
EXIT_FAILURE = 1


class TrainerError(Exception):
    """A failure while training: the message names the value and the fix."""

    exit_code = EXIT_FAILURE


class ConfigError(TrainerError):
    """An invalid config value or a missing input file."""

    exit_code = EXIT_USAGE
