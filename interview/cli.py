"""Command line: ``python -m interview simulate|evaluate|practice|serve|speak|transcribe|check``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .engines.base import engine_from_settings
from .errors import InterviewError
from .models import InterviewOptions, SessionState
from .report import report_markdown
from .service import InterviewService, evaluate_answer


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m interview", description="Interview Practice Partner, headless.")
    sub = p.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="run a whole interview from a JSON list of messages; print JSON")
    sim.add_argument("--role", required=True, help="built-in role id or name, or any custom role name")
    sim.add_argument("--answers", required=True, type=Path, help="JSON file: a list of the candidate's messages")
    _interview_options(sim)
    ev = sub.add_parser("evaluate", help="score one answer to one question; print JSON")
    ev.add_argument("--role", required=True)
    ev.add_argument("--question", required=True)
    ev.add_argument("--answer", required=True)
    sv = sub.add_parser("serve", help="run the REST API (see interview/api.py)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
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
    return p


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
    p.add_argument("--model", help="Groq model id (default: GROQ_MODEL or llama-3.3-70b-versatile)")


def _options(args: argparse.Namespace) -> InterviewOptions:
    jd = args.job_description.read_text(encoding="utf-8") if args.job_description else ""
    return InterviewOptions(role=args.role, num_questions=args.questions, seed=args.seed,
                            start_difficulty=args.difficulty, job_description=jd)


def simulate(args: argparse.Namespace) -> dict:
    """Run an interview headless and return the transcript and report as a dict."""
    try:
        messages = json.loads(args.answers.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InterviewError(f"Could not read {args.answers}: {exc}. It must be a JSON list of strings.") from exc
    if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
        raise InterviewError(f"{args.answers} must hold a JSON list of strings, one per candidate message.")
    service = InterviewService(_engine(args))
    state = service.start(_options(args))
    turns = []
    for message in messages:
        if state.status == "finished":
            break
        asked = state.current
        result = service.submit(state, message)
        state, t = result.state, result.turn
        turns.append({"question": asked.question.text, "question_id": t.question_id, "kind": asked.question.kind.value,
                      "difficulty": asked.difficulty, "follow_up": t.follow_up, "message": t.message,
                      "intent": t.intent.value, "scored": t.scored, "score": t.score, "engine": t.engine, "notice": t.notice,
                      "reply": t.reply})
    state, report = service.finish(state)
    return {"role": state.role.name, "engine": state.engine, "turns": turns, "report": report.model_dump(mode="json")}


def _engine(args: argparse.Namespace):
    """Build the engine named on the command line from the environment's settings."""
    from .settings import Settings

    settings = Settings.from_sources()
    name = settings.resolved_engine if args.engine == "auto" else args.engine
    return engine_from_settings(settings, name=name, model=getattr(args, "model", None))


def evaluate(args: argparse.Namespace) -> dict:
    """Score one answer and return the score with per-dimension evidence."""
    return evaluate_answer(args.role, args.question, args.answer)


def practice(args: argparse.Namespace, read=input, write=print) -> SessionState:
    """Run an interview in the terminal; Ctrl-D ends it early."""
    service = InterviewService(_engine(args))
    state = service.start(_options(args))
    write(f"\nInterviewer: {state.opening}\n")
    while state.status != "finished":
        try:
            message = read(f"[Q{len(state.asked)}/{state.planned} · difficulty {state.difficulty}] You: ")
        except EOFError:
            break
        result = service.submit(state, message)
        state = result.state
        if result.turn.notice:
            write(f"\n[{result.turn.notice}]")
        write(f"\nInterviewer: {result.turn.reply}\n")
    state, report = service.finish(state)
    write(report_markdown(report))
    return state


def serve(args: argparse.Namespace) -> None:
    """Run the REST API with uvicorn, saving sessions where the settings say."""
    import uvicorn

    from .api import create_app
    from .settings import Settings
    from .store import JsonFileStore

    settings = Settings.from_sources()
    service = InterviewService(engine_from_settings(settings), JsonFileStore(settings.data_dir),
                               max_message_chars=settings.max_message_chars)
    uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="info")


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
    from .speech.delivery import delivery_metrics
    from .speech.stt import get_transcriber

    settings = Settings.from_sources()
    try:
        audio = args.file.read_bytes()
    except OSError as exc:
        raise InterviewError(f"Could not read {args.file}: {exc}.") from exc
    backend = args.backend or settings.stt_backend
    key = settings.groq_api_key.get_secret_value() if settings.groq_api_key else ""
    transcriber = get_transcriber(backend, model=settings.whisper_model or None, api_key=key, base_url=settings.groq_base_url)
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


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "simulate":
            print(json.dumps(simulate(args), ensure_ascii=False))
        elif args.command == "evaluate":
            print(json.dumps(evaluate(args), ensure_ascii=False))
        elif args.command == "serve":
            serve(args)
        elif args.command == "speak":
            print(speak(args))
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


__all__ = ["main", "simulate", "evaluate", "practice", "speak", "transcribe", "check"]
