"""Command line: ``python -m interview simulate|evaluate|practice|serve|speak|transcribe|check|export``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from .coding.flow import call, problem_of, work_of
from .coding.problems import Problem, starter_code
from .engines.groq_client import DEFAULT_MODEL
from .errors import InterviewError
from .models import LANGUAGE_NAMES, AskedQuestion, InterviewOptions, SessionState, TestReport
from .report import report_markdown
from .service import InterviewService, evaluate_answer, open_coding
from .store import MemoryStore

CODE_COMMANDS = (":run", ":submit", ":problem")
BATCH_ROLE = "general"  # evaluate --batch: the role of lines that name none, unless --role says otherwise
EXTENSIONS = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript"}
CODE_HELP = ("Coding exercise: type your explanation as usual, or\n"
             "  :run FILE     run FILE on the examples, case by case\n"
             "  :submit FILE  submit FILE: it runs on the hidden tests and the interviewer replies\n"
             "  :problem      show the problem and starter code again\n"
             "FILE is .py or .js (or pass --lang for other names).")


def _parser() -> argparse.ArgumentParser:
    prog = "interview" if Path(sys.argv[0]).name == "interview" else "python -m interview"  # the console script or -m
    p = argparse.ArgumentParser(prog=prog, description="Interview Practice Partner, headless.")
    sub = p.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="run a whole interview from a JSON list of messages; print JSON")
    sim.add_argument("--role", required=True, help="built-in role id or name, or any custom role name")
    sim.add_argument("--answers", required=True, type=Path, help="JSON file: a list of the candidate's messages")
    _interview_options(sim)
    ev = sub.add_parser("evaluate", help="score one answer to one question, or a JSONL file of them; print JSON",
                        description="Score --answer to --question, or every line of --batch FILE.jsonl (one JSON line out per line in).")
    ev.add_argument("--role", help="built-in role id or name, or any custom role name; required with --question, "
                                   f"and with --batch the role of lines that give none (default: {BATCH_ROLE})")
    ev.add_argument("--question", help="the question (with --answer)")
    ev.add_argument("--answer", help="the candidate's answer (with --question)")
    ev.add_argument("--reference", metavar="TEXT", help="a reference answer to score against (optional)")
    ev.add_argument("--batch", metavar="FILE.jsonl",
                    help="score each line of FILE (- for stdin): a JSON object with question, answer and optionally "
                         "role, reference_answer and id; prints one JSON line per line, with its line number")
    ev.set_defaults(usage_error=ev.error)  # main() checks which of these go together, and says so as argparse would
    sv = sub.add_parser("serve", help="run the REST API (see interview/api/__init__.py; docs at /docs)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--workers", type=int, default=1, metavar="N",
                    help="server processes sharing the data directory (default 1); each loads its own models")
    sv.add_argument("--keep-alive", type=float, default=5.0, metavar="SECONDS",
                    help="how long an idle keep-alive connection stays open (default 5)")
    pr = sub.add_parser("practice", help="an interview in the terminal")
    pr.add_argument("--role", default="general")
    _interview_options(pr)
    sp = sub.add_parser("speak", help="write TEXT as speech to a WAV file; print its path")
    sp.add_argument("text")
    sp.add_argument("-o", "--output", required=True, type=Path, help="WAV file to write")
    sp.add_argument("--voice", help="voice id, e.g. gmw/en-us (default: the engine's default voice)")
    sp.add_argument("--rate", type=int, default=175, help="words per minute (80-300)")
    tr = sub.add_parser("transcribe", help="transcribe a recording: text, words with timestamps, words per minute, fillers, pauses")
    tr.add_argument("file", type=Path, help="audio file: WAV, WebM/Opus, OGG, MP3")
    tr.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    tr.add_argument("--backend", choices=["whisper", "groq"], help="speech-to-text backend (default: INTERVIEW_STT or whisper)")
    ck = sub.add_parser("check", help="judge HumanEval-format records in the sandbox; print one JSON line per record")
    ck.add_argument("file", type=Path, help=".jsonl or .jsonl.gz: task_id, prompt, completion, test, entry_point")
    ck.add_argument("--jobs", type=int, default=None, help="parallel sandbox workers (default: all cores)")
    ck.add_argument("--timeout", type=float, default=5.0, help="wall-clock seconds per record")
    _export_parser(sub)
    return p


def _export_parser(sub) -> None:
    ex = sub.add_parser("export", help="print or write the report of a saved session, as Markdown or JSON",
                        description="Print (or write with -o) the feedback report of a session saved in the data "
                                    "directory. Exit status 1 when the session is missing or unreadable.")
    ex.add_argument("session_id", metavar="SESSION_ID", help="the session's id (the app's ?session=..., the API's id)")
    ex.add_argument("--data-dir", type=Path, help="where sessions are saved (default: INTERVIEW_DATA_DIR or the app's)")
    ex.add_argument("--format", choices=["md", "json"], default="md",
                    help="md: the Markdown report (default); json: the Report model, which "
                         "Report.model_validate_json reads back")
    ex.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE and print its path")


def check(args: argparse.Namespace, write=print) -> list[dict]:
    """Run each record's program in the sandbox; write and return {task_id, status, duration_ms} per record, in input order."""
    from .coding.runner import Limits, SandboxPool, humaneval_program, read_jsonl

    records = read_jsonl(args.file)
    try:
        programs = [humaneval_program(r) for r in records]
    except (KeyError, TypeError) as exc:
        raise InterviewError(f"{args.file}: every record needs prompt, completion, test and entry_point ({exc!r} missing).") from exc
    rows = []
    with SandboxPool(args.jobs) as pool:
        for record, result in zip(records, pool.run_many(programs, Limits(timeout=args.timeout)), strict=True):
            row = {"task_id": record.get("task_id"), "status": result.status, "duration_ms": result.duration_ms}
            write(json.dumps(row))
            rows.append(row)
    return rows


def _interview_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--questions", type=int, default=6, help="number of questions (1-15)")
    p.add_argument("--seed", type=int, default=0, help="same seed and answers give the same interview")
    p.add_argument("--difficulty", type=int, default=2, help="starting difficulty (1-5)")
    p.add_argument("--job-description", type=Path, help="text file with a job description (custom roles)")
    p.add_argument("--engine", choices=["auto", "offline", "groq"], default="offline",
                   help="interviewer engine: offline (default), groq (needs GROQ_API_KEY; GROQ_API_BASE and GROQ_MODEL are honoured), "
                        "or auto (groq when a key is set)")
    p.add_argument("--model", help=f"Groq model id (default: GROQ_MODEL or {DEFAULT_MODEL})")
    p.add_argument("--coding", type=int, default=0, metavar="N",
                   help="coding exercises among the questions (0-5; technical roles only). "
                        "INTERVIEW_CODE_EXECUTION=off records code without running it")
    p.add_argument("--lang", choices=list(LANGUAGE_NAMES),
                   help="language of the code: the simulated candidate's, and in practice the starter code's "
                        "and that of a FILE not ending in .py or .js (default: python)")


def _options(args: argparse.Namespace) -> InterviewOptions:
    jd = args.job_description.read_text(encoding="utf-8") if args.job_description else ""
    return InterviewOptions(role=args.role, num_questions=args.questions, seed=args.seed,
                            start_difficulty=args.difficulty, job_description=jd, coding_questions=getattr(args, "coding", 0))


def simulate(args: argparse.Namespace) -> dict:
    """Run an interview headless and return the transcript and report as a dict."""
    try:
        messages = json.loads(args.answers.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InterviewError(f"Could not read {args.answers}: {exc}. It must be a JSON list of strings.") from exc
    if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
        raise InterviewError(f"{args.answers} must hold a JSON list of strings, one per candidate message.")
    service = _service(args)
    state = service.start(_options(args))
    language = getattr(args, "lang", None) or "python"
    turns: list[dict] = []
    for message in messages:
        state = _simulate_coding(service, state, language, turns)
        if state.status == "finished":
            break
        result = service.submit(state, message)
        state = result.state
        turns.append(_turn_row(state.asked[result.turn.question_index], result.turn))
    state = _simulate_coding(service, state, language, turns)
    state, report = service.finish(state)
    return {"role": state.role.name, "engine": state.engine, "turns": turns, "report": report.model_dump(mode="json")}


MAX_SIMULATED_CODING_TURNS = 6


def _simulate_coding(service: InterviewService, state: SessionState, language: str, turns: list[dict]) -> SessionState:
    """Play the candidate on open coding questions: submit the reference solution, then explain it with canned words.

    The scripted messages are kept for the other questions; a coding question is left once the interviewer moves on.
    """
    while state.current is not None and state.current.code is not None:
        asked, number = state.current, len(state.asked)
        problem = problem_of(asked)
        result = service.submit_code(state, problem.reference.get(language), language)
        turns.append(_turn_row(asked, result.turn))
        for message in [_explanation(problem), *[_DEEPER] * MAX_SIMULATED_CODING_TURNS, "skip"]:
            if result.state.current is None or len(result.state.asked) != number:
                break  # the interviewer moved on
            result = service.submit(result.state, message)
            turns.append(_turn_row(asked, result.turn))
        state = result.state
    return state


_DEEPER = "I would keep the same approach and adapt it; the time and space complexity would stay the same, and I'd add tests for it."


def _explanation(problem: Problem) -> str:
    topic = problem.topics[0].replace("_", " ")
    return (f"My approach uses {topic}: I iterate over the input once and keep what I need so each step is cheap, "
            f"because that avoids repeated work. The time complexity is {problem.complexity.time} and the space complexity is "
            f"{problem.complexity.space}. For edge cases, I handle an empty input and a single element, and duplicates work too.")


def _turn_row(asked: AskedQuestion, t) -> dict:
    return {"question": asked.question.text, "question_id": t.question_id, "kind": asked.question.kind.value,
            "difficulty": asked.difficulty, "follow_up": t.follow_up, "message": t.message,
            "intent": t.intent.value, "scored": t.scored, "score": t.score, "engine": t.engine, "notice": t.notice,
            "reply": t.reply}


def _service(args: argparse.Namespace) -> InterviewService:
    """Build the session service the command line asks for: its engine, sessions in memory, and the judge unless code
    execution is off."""
    from .compose import build_service
    from .settings import Settings

    settings = Settings.from_sources()
    name = settings.resolved_engine if args.engine == "auto" else args.engine
    return build_service(settings, engine=name, model=getattr(args, "model", None), store=MemoryStore())


def evaluate(args: argparse.Namespace) -> dict:
    """Score one answer (against ``--reference`` when given) and return the score with per-dimension evidence."""
    return evaluate_answer(args.role, args.question, args.answer, reference=args.reference)


def _check_evaluate(args: argparse.Namespace) -> None:
    """``evaluate`` takes either --batch, or --role, --question and --answer: say so (exit 2) otherwise."""
    if args.batch is not None:
        given = [f"--{name}" for name in ("question", "answer", "reference") if getattr(args, name) is not None]
        if given:
            args.usage_error(f"--batch cannot be combined with {', '.join(given)} "
                             "(each line of the batch file gives its own question, answer and reference_answer)")
        return
    missing = [f"--{name}" for name in ("question", "answer") if getattr(args, name) is None]
    if missing:
        args.usage_error(f"give --question and --answer (missing {' and '.join(missing)}), or --batch FILE.jsonl")
    if args.role is None:
        args.usage_error("--role is required with --question and --answer (e.g. --role general)")


def evaluate_batch(args: argparse.Namespace, write=None) -> int:
    """Score each line of ``args.batch`` (``-`` for stdin) as it is read; write one JSON line per non-blank line, in order.

    Returns 1 when any line could not be scored (its output line is ``{"line", "error"}``), else 0.
    """
    write = write or _write_flushed
    default_role = args.role or BATCH_ROLE
    if args.batch == "-":
        return _score_lines(getattr(sys.stdin, "buffer", sys.stdin), default_role, write)
    try:
        stream = open(args.batch, "rb")  # bytes: a badly encoded line is that line's error, not the end of the batch
    except OSError as exc:
        raise InterviewError(f"Could not read {args.batch}: {exc.strerror or exc}. Pass a JSONL file, or - for stdin.") from exc
    with stream:
        return _score_lines(stream, default_role, write)


def _write_flushed(text: str) -> None:
    print(text, flush=True)


def _score_lines(lines, default_role: str, write) -> int:
    status = 0
    for number, raw in enumerate(lines, 1):
        row = _score_line(raw, number, default_role)
        if row is None:
            continue
        status = 1 if "error" in row else status
        write(json.dumps(row, ensure_ascii=False))
    return status


def _score_line(raw: bytes | str, number: int, default_role: str) -> dict | None:
    """The output row for one input line: the evaluation, or ``{"line", "error"}``; None for a blank line."""
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8") if isinstance(raw, bytes) else raw.lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        return {"line": number, "error": f"not UTF-8 text ({exc.reason} at byte {exc.start})"}
    if not text.strip():
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return {"line": number, "error": f"not valid JSON: {exc.msg} (column {exc.colno})"}
    except (ValueError, RecursionError) as exc:  # e.g. an integer over Python's digit limit, or nesting too deep
        return {"line": number, "error": f"not valid JSON: {exc}"}
    if not isinstance(record, dict):
        return {"line": number, "error": f"expected a JSON object with question and answer, got {_json_type(record)}"}
    head: dict = {"line": number, **({"id": record["id"]} if "id" in record else {})}
    problem = _line_problem(record)
    if problem:
        return {**head, "error": problem}
    try:
        result = evaluate_answer(record.get("role") or default_role, record["question"], record["answer"],
                                 reference=record.get("reference_answer"))
    except ValidationError as exc:
        return {**head, "error": "could not be scored: " + "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())}
    except InterviewError as exc:
        return {**head, "error": f"could not be scored: {exc}"}
    return {**head, **{k: v for k, v in result.items() if k not in head}}


def _line_problem(record: dict) -> str | None:
    """Why a batch record cannot be scored, or None."""
    problems = []
    for name in ("question", "answer"):
        if name not in record:
            problems.append(f"missing {name!r}")
        elif not isinstance(record[name], str):
            problems.append(f"{name!r} must be a string, not {_json_type(record[name])}")
    if isinstance(record.get("question"), str) and not record["question"].strip():
        problems.append("'question' is empty")
    for name in ("role", "reference_answer"):
        if record.get(name) is not None and not isinstance(record[name], str):
            problems.append(f"{name!r} must be a string or null, not {_json_type(record[name])}")
    return "; ".join(problems) or None


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    names: dict[type, str] = {str: "a string", list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def practice(args: argparse.Namespace, read=input, write=print) -> SessionState:
    """Run an interview in the terminal; Ctrl-D ends it early. On a coding exercise, :run and :submit take code from a file."""
    service = _service(args)
    state = service.start(_options(args))
    write(f"\nInterviewer: {state.opening}\n")
    shown = -1  # the asked question whose problem was last printed
    while state.status != "finished":
        current = state.current
        coding = current is not None and current.code is not None
        if coding and current is not None and shown != len(state.asked):
            shown = len(state.asked)
            write(_problem_text(problem_of(current), getattr(args, "lang", None) or "python", service.judge is not None))
        try:
            message = read(f"[Q{len(state.asked)}/{state.planned} · difficulty {state.difficulty}{' · coding' if coding else ''}] You: ")
        except EOFError:
            break
        if message.strip().partition(" ")[0] in CODE_COMMANDS or (coding and message.strip().startswith(":")):
            state = _code_command(service, state, message.strip(), args, write)
            continue
        result = service.submit(state, message)
        state = result.state
        if result.turn.notice:
            write(f"\n[{result.turn.notice}]")
        write(f"\nInterviewer: {result.turn.reply}\n")
    state, report = service.finish(state)
    write(report_markdown(report))
    return state


def _problem_text(problem: Problem, language: str, execution: bool) -> str:
    """The problem as the terminal shows it: statement, examples, starter code and the commands."""
    examples = "\n".join(f"  {call(problem, e.args)} -> {json.dumps(e.expected)}" + (f"  ({e.explanation})" if e.explanation else "")
                         for e in problem.examples)
    off = "\n(Code execution is turned off here: :run is unavailable; :submit records your code without running it.)" if not execution else ""
    return (f"\n=== {problem.title} ({problem.difficulty}) ===\n{problem.statement}\n\nExamples:\n{examples}\n\n"
            f"Starter code ({language}):\n{starter_code(problem, language)}\n{CODE_HELP}{off}\n")


def _code_command(service: InterviewService, state: SessionState, command: str, args: argparse.Namespace, write) -> SessionState:
    """Handle :run FILE, :submit FILE or :problem on the open coding question; errors are shown, never fatal."""
    name, _, rest = command.partition(" ")
    lang = getattr(args, "lang", None)
    if state.current is None or state.current.code is None:
        write("\n[The current question is not a coding exercise: type your answer instead.]\n")
        return state
    if name == ":problem":
        write(_problem_text(problem_of(state.current), lang or "python", service.judge is not None))
        return state
    if name not in (":run", ":submit") or not rest.strip():
        write(f"\n{CODE_HELP}\n")
        return state
    try:
        code, language = _read_code(Path(rest.strip()).expanduser(), lang)
        if name == ":run":
            state, report = service.run_code(state, code, language)
            write(_run_text(problem_of(open_coding(state)), report))
            return state
        result = service.submit_code(state, code, language)
    except InterviewError as exc:
        write(f"\n[{exc}]\n")
        return state
    attempt = work_of(result.state.asked[result.turn.question_index]).submissions[-1]
    counts = (f"{attempt.passed}/{attempt.total} tests passed ({attempt.verdict})" if attempt.verdict != "not_run"
              else "recorded, not run (code execution is off)")
    write(f"\n[Submitted {language}: {counts}]\n\nInterviewer: {result.turn.reply}\n")
    return result.state


def _read_code(path: Path, lang: str | None) -> tuple[str, str]:
    language = EXTENSIONS.get(path.suffix.lower()) or lang
    if language is None:
        raise InterviewError(f"Cannot tell the language of {path.name}: name it .py or .js, or start with --lang python|javascript.")
    try:
        return path.read_text(encoding="utf-8"), language
    except (OSError, UnicodeDecodeError) as exc:
        raise InterviewError(f"Could not read {path}: {exc}. Give the path of a UTF-8 text file.") from exc


def _run_text(problem: Problem, report: TestReport) -> str:
    """A run's results, one line per visible case."""
    lines = [f"\nRun: {report.passed}/{report.total} examples passed ({report.verdict})"]
    for case in report.cases:
        got = f"error: {case.error}" if case.error else f"got {json.dumps(case.actual)}"
        lines.append(f"  {'ok  ' if case.ok else 'FAIL'} {call(problem, case.input)} -> expected {json.dumps(case.expected)}"
                     + ("" if case.ok else f", {got}"))
        if case.output:
            lines.append(f"       printed: {case.output.strip()[:200]}")
    if not report.cases and report.message:
        lines.append(f"  {report.message}")
    return "\n".join(lines) + "\n"


def serve(args: argparse.Namespace) -> None:
    """Run the REST API with uvicorn, saving sessions where the settings say.

    Each worker process builds the app from the environment's settings (``interview.api:app_factory``).
    """
    import uvicorn

    if args.workers < 1 or args.keep_alive <= 0:
        raise InterviewError("--workers must be 1 or more and --keep-alive more than 0 seconds.")
    from .settings import Settings

    Settings.from_sources()  # a wrong setting is said here, once, rather than by every worker
    uvicorn.run("interview.api:app_factory", factory=True, host=args.host, port=args.port, workers=args.workers,
                timeout_keep_alive=args.keep_alive, log_level="info")


def export(args: argparse.Namespace) -> str:
    """Return the report of a saved session (Markdown or JSON); StoreError when it is missing or unreadable."""
    from .report import build_report
    from .store import JsonFileStore

    report = build_report(JsonFileStore(_data_dir(args)).load(args.session_id))
    text = report.model_dump_json(indent=2) if args.format == "json" else report_markdown(report)
    return text if text.endswith("\n") else text + "\n"


def _data_dir(args: argparse.Namespace) -> Path:
    from .settings import Settings

    return args.data_dir if args.data_dir is not None else Settings.from_sources().data_dir


def _export_main(args: argparse.Namespace) -> int:
    """Run ``export``: print the report, or write it to ``-o FILE``; exit status 1 for a missing session."""
    from .errors import StoreError

    try:
        text = export(args)
    except StoreError as exc:
        directory = _data_dir(args)
        missing = not (directory / f"{args.session_id}.json").is_file()
        print(f"error: no saved session {args.session_id[:64]!r} in {directory}: check the id, or pass --data-dir "
              "with the folder it was saved in." if missing else f"error: {exc}", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InterviewError(f"Could not write {args.output}: {exc.strerror or exc}. "
                             "Pick a writable path with -o.") from exc
    print(args.output)
    return 0


def api_service(settings) -> InterviewService:
    """Build the API's service from settings: engine, file store, message cap, and the judge unless code execution is off."""
    from .api import service_from_settings

    return service_from_settings(settings)


def speak(args: argparse.Namespace) -> Path:
    """Write args.text as speech to args.output (cached under the data dir) and return the path."""
    from .settings import Settings
    from .speech.tts import get_speaker

    speaker = get_speaker(cache_dir=Settings.from_sources().data_dir / "tts-cache")
    try:
        data = speaker.speak(args.text, voice=args.voice, rate=args.rate)
    finally:
        speaker.close()
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise InterviewError(f"Could not write {args.output}: {exc}. Pick a writable path with -o.") from exc
    return args.output


def transcribe(args: argparse.Namespace) -> dict:
    """Transcribe a recording and measure its delivery; return transcript, words and metrics."""
    from .settings import Settings
    from .speech.audio import MAX_BYTES
    from .speech.delivery import delivery_metrics
    from .speech.stt import get_transcriber

    settings = Settings.from_sources()
    try:
        with open(args.file, "rb") as fh:
            audio = fh.read(MAX_BYTES + 1)  # one byte over is enough to refuse it: a huge file is never read whole
    except OSError as exc:
        raise InterviewError(f"Could not read {args.file}: {exc}.") from exc
    backend = args.backend or settings.stt_backend
    key = settings.groq_api_key.get_secret_value() if settings.groq_api_key else ""
    transcriber = get_transcriber(backend, model=settings.whisper_model or None, api_key=key, base_url=settings.groq_base_url,
                                  max_seconds=settings.max_audio_seconds)
    transcript = transcriber.transcribe(audio, filename=args.file.name)
    return {"text": transcript.text, "backend": transcript.backend, "model": transcript.model, "duration_s": transcript.duration,
            "words": [w.model_dump() for w in transcript.words], "speech_spans": transcript.speech_spans,
            "delivery": delivery_metrics(transcript).model_dump()}


def _transcription_text(result: dict) -> str:
    d = result["delivery"]
    rate = f"{d['words_per_minute']} words per minute" if d["words_per_minute"] is not None else "not measured (under a second of speech)"
    fillers = ", ".join(f"{k} x{v}" for k, v in d["filler_counts"].items()) or "none"
    words = " ".join(f"{w['text']}[{w['start']:.2f}-{w['end']:.2f}]" for w in result["words"])
    return "\n".join([result["text"] or "(no speech heard)", "", f"Words: {words or 'none'}",
                      f"Speaking rate: {rate} over {d['speaking_time_s']} s of speech ({d['duration_s']} s recorded)",
                      f"First word after: {d['time_to_first_word_s']} s",
                      f"Pauses over {d['pause_threshold_s']:g} s: {d['long_pauses']} (longest gap {d['longest_pause_s']} s)",
                      f"Fillers: {d['fillers_per_100_words']} per 100 words ({fillers})"])


def log_setup_warnings() -> list[str]:
    """Log, for the operator, what in the server's set-up exposes it (a secrets file others can read); return it."""
    import logging

    from .hosting import secrets_warnings

    warnings = secrets_warnings()
    for warning in warnings:
        logging.getLogger("interview").warning(warning)
    return warnings


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "evaluate":
        _check_evaluate(args)
    try:
        if args.command == "simulate":
            print(json.dumps(simulate(args), ensure_ascii=False))
        elif args.command == "evaluate" and args.batch is not None:
            return evaluate_batch(args)
        elif args.command == "evaluate":
            print(json.dumps(evaluate(args), ensure_ascii=False))
        elif args.command == "serve":
            log_setup_warnings()
            serve(args)
        elif args.command == "speak":
            print(speak(args))
        elif args.command == "export":
            return _export_main(args)
        elif args.command == "check":
            check(args)
        elif args.command == "transcribe":
            result = transcribe(args)
            print(json.dumps(result, ensure_ascii=False) if args.json else _transcription_text(result))
        else:
            practice(args)
    except InterviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # pydantic validation of options: say which value is wrong
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


__all__ = ["api_service", "main", "simulate", "evaluate", "evaluate_batch", "practice", "speak", "transcribe", "check",
           "export"]
