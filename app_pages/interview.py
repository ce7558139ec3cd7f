"""Interview page: the setup form, then the chat with the interviewer (typed or spoken answers, questions read aloud)."""

from __future__ import annotations

import streamlit as st
from streamlit_mic_recorder import mic_recorder

from interview import InterviewError, InterviewOptions, Kind, Notice, builtin_roles, scored_turns
from interview.errors import SpeechError
from interview.models import DeliveryMetrics
from interview.plan import resolve_role
from interview.speech.delivery import delivery_metrics
from interview.text import escape_markdown
from ui.coding import code_language, coding_panel
from ui.session import reload_on_conflict
from ui.shell import NO_SPEECH, available_speaker, get_service, get_transcriber

service = get_service()  # app.py made it this run, and restored the session from the URL
CUSTOM = "Custom role…"
AUDIO_TYPES = ["wav", "webm", "ogg", "opus", "mp3", "m4a"]
TALK_KINDS = [k.value for k in Kind if k is not Kind.coding]  # coding exercises have their own count
CODING_HELP = ("Coding exercises (Python or JavaScript, run against tests) for technical roles such as Software Engineer, "
               "Data Scientist or a custom \"Backend Developer\"; other roles get none. They count towards the number of questions.")


def technical(role: str) -> bool:
    """True when the role (a built-in id or a custom name) is technical, resolved as the interview will resolve it."""
    return bool(role.strip()) and resolve_role(InterviewOptions(role=role.strip()[:80])).technical


def setup_form() -> None:
    st.title("Practice an interview")
    st.write("Pick a role, answer one question at a time, and get a feedback report at the end.")
    roles = {r.name: r.id for r in builtin_roles()}
    choice = st.selectbox("Role", [*roles, CUSTOM], key="iv_role")
    custom = st.text_input("Custom role name", key="iv_custom_role", placeholder="e.g. Nurse, Backend Developer",
                           disabled=choice != CUSTOM)
    with st.form("iv_setup"):
        jd = st.text_area("Job description or résumé (optional)", key="iv_jd", height=120,
                          help="Its key terms become talking points the interviewer listens for.")
        count = st.slider("Number of questions", 3, 10, st.session_state.get("app_default_questions", 6), key="iv_count")
        kinds = st.multiselect("Kinds of question", TALK_KINDS, default=TALK_KINDS, key="iv_kinds")
        coding = st.number_input("Coding exercises", 0, 3, 1, key="iv_coding", help=CODING_HELP)
        if not technical(roles.get(choice) or custom):
            st.caption("This role is not a technical one, so it gets no coding exercises.")
        level = st.select_slider("Starting difficulty", options=[1, 2, 3, 4, 5], value=2, key="iv_level")
        with st.expander("More options"):
            name = st.text_input("Your first name (optional)", key="iv_name", max_chars=80)
            seed = st.number_input("Seed (same seed and answers, same interview)", 0, 10**6, 0, key="iv_seed")
        started = st.form_submit_button("Start interview", type="primary")
    if not started:
        return
    role = roles.get(choice) or custom.strip()
    if not role:
        st.error("Type the name of the role you are practising for, or pick a built-in one.")
        return
    try:
        options = InterviewOptions(role=role, job_description=jd, num_questions=count, kinds=kinds or TALK_KINDS,
                                   start_difficulty=level, seed=int(seed), candidate_name=name.strip(),
                                   coding_questions=int(coding))
        st.session_state["iv_state"] = service.start(options)
    except (InterviewError, ValueError) as exc:
        st.error(f"Could not start the interview: {exc}")
        return
    st.rerun()


def measured(d: DeliveryMetrics) -> str:
    """Say in one line what was measured in a spoken answer."""
    rate = f"{d.words_per_minute:.0f} words/min" if d.words_per_minute is not None else "too short for a speaking rate"
    pauses = f"{d.long_pauses} pause{'s' * (d.long_pauses != 1)} over {d.pause_threshold_s:g} s"
    fillers = sum(d.filler_counts.values())
    return (f"Measured: {rate} · {pauses} · first word after {d.time_to_first_word_s:.1f} s · "
            f"{fillers} filler{'s' * (fillers != 1)}")


def read_aloud(text: str, number: int) -> None:
    """Play the interviewer's ``number``-th message (1 is the opening) when speaking is on."""
    if not st.session_state.get("app_tts_on") or not text.strip():
        return
    speaker = available_speaker()
    if speaker is None:
        if not st.session_state.get("iv_tts_told"):
            st.session_state["iv_tts_told"] = True
            st.info(NO_SPEECH)
        return
    try:
        wav = speaker.speak(text, voice=st.session_state.get("app_tts_voice"), rate=st.session_state.get("app_tts_rate", 175))
    except SpeechError as exc:
        st.warning(f"{exc} The question stays as text.")
        return
    # Streamlit's frontend autoplays an element once and not again when a rerun shows the same element (same
    # audio and arguments), so a rerun neither restarts nor stops it; the per-message label makes a repeated
    # sentence a new element, so it plays too.
    st.audio(wav, format="audio/wav", autoplay=st.session_state.get("app_tts_autoplay", True),
             alt=f"The interviewer's message {number}, read aloud")


def candidate_message(message: str, delivery: DeliveryMetrics | None, edited: bool = False, code: str | None = None) -> None:
    """Show what the candidate said, always as plain text; submitted code (``code`` is its language) as a code block."""
    with st.chat_message("user"):
        if code is not None:
            st.caption("Submitted code")
            st.code(message, language=code)
        else:
            st.text(message if message.strip() else "(empty message)")
        notes = []
        if delivery is not None:
            notes.append("spoken" if delivery.words_per_minute is None else f"spoken · {delivery.words_per_minute:.0f} words/min")
        if edited:
            notes.append("corrected")
        if notes:
            st.caption(" · ".join(notes))


def stream_reply(state, message: str, delivery: DeliveryMetrics | None = None):
    """Show the candidate's message and stream the interviewer's reply into the chat; return the new state."""
    candidate_message(message, delivery)
    with st.chat_message("assistant"):
        notice_box, words = st.empty(), st.empty()
        try:
            with reload_on_conflict(service):
                stream = service.submit_stream(state, message, delivery=delivery)
        except InterviewError as exc:
            st.error(str(exc))
            return state
        try:
            with reload_on_conflict(service):
                show_stream(stream, notice_box, words)
        except InterviewError as exc:
            st.error(str(exc))
            return state
        finally:
            stream.close()  # a rerun can interrupt the loop: close the HTTP stream now
        result = stream.result
        read_aloud(result.state.turns[-1].reply, len(result.state.turns) + 1)
    if result.notice:
        st.session_state["iv_notice"] = result.notice
    return result.state


def show_stream(stream, notice_box, words) -> None:
    """Write the reply into ``words`` as it streams; a fallback's notice goes in ``notice_box``."""
    shown = ""
    for chunk in stream:
        if isinstance(chunk, Notice):  # the reply fell back: replace what was shown so far
            shown = ""
            if chunk.text:
                notice_box.warning(chunk.text)
            continue
        shown += chunk
        words.text(shown + " ▌")
    words.text(shown)


def resend_interrupted(state):
    """A reply that was cut off by a rerun (the candidate sent again mid-stream) is completed first."""
    inflight = st.session_state.pop("iv_inflight", None)
    if not inflight or inflight[0] != state.id or state.status == "finished":
        return state
    try:
        with reload_on_conflict(service):
            state = service.submit(state, inflight[1], delivery=inflight[2]).state
    except InterviewError:
        return state
    st.session_state["iv_state"] = state
    return state


def transcript(state, *, speak_last: bool) -> None:
    """Show the conversation so far; the interviewer's latest words are read aloud when ``speak_last``."""
    with st.chat_message("assistant"):
        st.text(state.opening)
        if speak_last and not state.turns:
            read_aloud(state.opening, 1)
    for n, turn in enumerate(state.turns, 1):
        language = code_language(state, turn.index) if turn.input_mode == "code" else None
        candidate_message(turn.message, turn.delivery, turn.edited, code=language)
        with st.chat_message("assistant"):
            if turn.notice:
                st.warning(turn.notice)
            st.text(turn.reply)
            if speak_last and n == len(state.turns):
                read_aloud(turn.reply, n + 1)


def transcribe(audio: bytes, filename: str) -> tuple[str, DeliveryMetrics] | None:
    """Turn a recording into (text, measured delivery); show the reason and return None when it cannot be done."""
    try:
        transcriber = get_transcriber()
        waiting = "Transcribing…"
        if getattr(transcriber, "needs_download", False):
            waiting = "Downloading the speech-to-text model (once per server; this can take a minute), then transcribing…"
        with st.spinner(waiting):
            heard = transcriber.transcribe(audio, filename=filename)
    except SpeechError as exc:
        st.error(str(exc))
        return None
    if not heard.text.strip():
        st.error("No words were heard in the recording: record again closer to the microphone, or type your answer.")
        return None
    return heard.text.strip(), delivery_metrics(heard)


def new_recording(recording: dict | None, upload) -> tuple[bytes, str] | None:
    """Return (audio, filename) of a recording or upload not seen before in this session, else None."""
    seen = st.session_state.setdefault("iv_voice_seen", set())
    if recording and (tag := f"mic:{recording['id']}") not in seen:
        seen.add(tag)
        return recording["bytes"], f"answer.{recording.get('format') or 'webm'}"
    if upload is not None and (tag := f"file:{upload.file_id}") not in seen:
        seen.add(tag)
        return upload.getvalue(), upload.name
    return None


def send_voice() -> None:
    """Button callback: queue the checked transcript, with its measured delivery, and clear the box."""
    text = st.session_state.get("iv_voice_text", "").strip()
    if not text:
        st.session_state["iv_voice_problem"] = "There is no spoken answer to send: record or upload one, or type your answer below."
        return
    st.session_state["iv_queued_voice"] = (text, st.session_state.pop("iv_voice_delivery", None))
    st.session_state["iv_voice_text"] = ""


def voice_area() -> None:
    """Answer by voice: record or upload, check and correct the transcript, then send it (or let hands-free send it)."""
    with st.container(border=True):
        st.markdown("**Answer by voice**")
        left, right = st.columns([1, 2], vertical_alignment="center")
        with left:
            recording = mic_recorder(start_prompt="🎙️ Record answer", stop_prompt="⏹️ Stop recording", just_once=True,
                                     format="webm", key="iv_mic")
        upload = right.file_uploader("…or upload a recording", type=AUDIO_TYPES, key="iv_audio_upload")
        handsfree = st.toggle("Hands-free: send as soon as it is transcribed", key="iv_handsfree",
                              value=st.session_state.get("app_handsfree", False))
        st.session_state["app_handsfree"] = handsfree
        if (audio := new_recording(recording, upload)) and (heard := transcribe(*audio)):
            if handsfree:
                st.session_state["iv_queued_voice"] = heard
                st.rerun()
            st.session_state["iv_voice_text"], st.session_state["iv_voice_delivery"] = heard
        st.text_area("Your spoken answer — check and correct it, then send", key="iv_voice_text", height=100)
        if delivery := st.session_state.get("iv_voice_delivery"):
            st.caption(measured(delivery))
        st.button("Send spoken answer", key="iv_voice_send", on_click=send_voice)
        if problem := st.session_state.pop("iv_voice_problem", None):
            st.warning(problem)


def correction_box(state) -> None:
    answers = scored_turns(state)
    if not answers:
        return
    with st.expander("Correct a transcript"):
        labels = {t.index: f"Answer {n}: {t.message[:60]}" for n, t in enumerate(answers, 1)}
        index = st.selectbox("Answer to correct", list(labels), format_func=labels.get, key="iv_edit_turn")
        text = st.text_area("Corrected text", value=state.turns[index].message, key=f"iv_edit_text_{index}")
        if st.button("Save correction", key="iv_edit_save"):
            try:
                with reload_on_conflict(service):
                    st.session_state["iv_state"] = service.edit_answer(state, index, text)
            except InterviewError as exc:
                st.error(str(exc))
                return
            st.session_state["iv_notice"] = "Answer corrected and re-scored; the report follows."
            st.rerun()


def main() -> None:
    state = st.session_state.get("iv_state")
    if state is None:
        setup_form()
        return
    state = resend_interrupted(state)
    message, delivery = None, None
    if state.status != "finished":
        message = st.chat_input("Type your answer, or ask for a hint, to skip, or to end", key="iv_chat")
        message = message if message is not None else st.session_state.pop("iv_queued", None)
        if message is None and (voiced := st.session_state.pop("iv_queued_voice", None)):
            message, delivery = voiced
        if message is None and state.pending:  # saved before a refresh cut its reply off: answer it now
            message, delivery = state.pending, state.pending_delivery
    st.title(f"{escape_markdown(state.role.name)} interview")
    # The conversation grows inside one container, so what follows keeps its place on the page: a component that moved
    # would be mounted afresh (the code editor would lose what was typed but not yet applied).
    with st.container():
        transcript(state, speak_last=message is None)
        if message is not None:
            st.session_state["iv_inflight"] = (state.id, message, delivery)
            state = stream_reply(state, message, delivery)
            st.session_state["iv_state"] = state
            st.session_state.pop("iv_inflight", None)
        if notice := st.session_state.pop("iv_notice", None):
            st.warning(notice)
    if state.status != "finished" and state.current is not None and state.current.code is not None:
        state = coding_panel(service, state)
    if state.status != "finished":
        voice_area()
    correction_box(state)
    if state.status == "finished":
        st.success("Interview finished. Your feedback report is ready.")
        left, right = st.columns(2)
        if left.button("See your report", type="primary", key="iv_to_report"):
            st.switch_page("app_pages/report.py")
        if right.button("Start a new interview", key="iv_new"):
            del st.session_state["iv_state"]
            st.query_params.clear()
            st.rerun()


main()
