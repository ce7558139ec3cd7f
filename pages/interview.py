"""Interview page: the setup form, then the chat with the interviewer."""

from __future__ import annotations

import streamlit as st

from interview import InterviewError, InterviewOptions, Kind, Notice, builtin_roles, scored_turns
from interview.text import escape_markdown
from ui_shell import get_service, restore_session, sidebar

service = get_service()
restore_session(service)
CUSTOM = "Custom role…"


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
        kinds = st.multiselect("Kinds of question", [k.value for k in Kind], default=[k.value for k in Kind], key="iv_kinds")
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
        options = InterviewOptions(role=role, job_description=jd, num_questions=count, kinds=kinds or list(Kind),
                                   start_difficulty=level, seed=int(seed), candidate_name=name.strip())
        st.session_state["iv_state"] = service.start(options)
    except (InterviewError, ValueError) as exc:
        st.error(f"Could not start the interview: {exc}")
        return
    st.rerun()


def stream_reply(state, message: str):
    """Show the candidate's message and stream the interviewer's reply into the chat; return the new state."""
    with st.chat_message("user"):
        st.text(message if message.strip() else "(empty message)")
    with st.chat_message("assistant"):
        notice_box, words = st.empty(), st.empty()
        try:
            stream = service.submit_stream(state, message)
        except InterviewError as exc:
            st.error(str(exc))
            return state
        try:
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
        except InterviewError as exc:
            st.error(str(exc))
            return state
        finally:
            stream.close()  # a rerun can interrupt the loop: close the HTTP stream now
    result = stream.result
    if result.notice:
        st.session_state["iv_notice"] = result.notice
    return result.state


def resend_interrupted(state):
    """A reply that was cut off by a rerun (the candidate sent again mid-stream) is completed first."""
    inflight = st.session_state.pop("iv_inflight", None)
    if not inflight or inflight[0] != state.id or state.status == "finished":
        return state
    try:
        state = service.submit(state, inflight[1]).state
    except InterviewError:
        return state
    st.session_state["iv_state"] = state
    return state


def transcript(state) -> None:
    with st.chat_message("assistant"):
        st.text(state.opening)
    for turn in state.turns:
        with st.chat_message("user"):
            st.text(turn.message if turn.message.strip() else "(empty message)")
            if turn.edited:
                st.caption("corrected")
        with st.chat_message("assistant"):
            if turn.notice:
                st.warning(turn.notice)
            st.text(turn.reply)


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
    message = None
    if state.status != "finished":
        message = st.chat_input("Type your answer, or ask for a hint, to skip, or to end", key="iv_chat")
        message = message if message is not None else st.session_state.pop("iv_queued", None)
        if message is None and state.pending:  # saved before a refresh cut its reply off: answer it now
            message = state.pending
    st.title(f"{escape_markdown(state.role.name)} interview")
    transcript(state)
    if message is not None:
        st.session_state["iv_inflight"] = (state.id, message)
        state = stream_reply(state, message)
        st.session_state["iv_state"] = state
        st.session_state.pop("iv_inflight", None)
    if notice := st.session_state.pop("iv_notice", None):
        st.warning(notice)
    correction_box(state)
    if state.status == "finished":
        st.success("Interview finished. Your feedback report is ready.")
        left, right = st.columns(2)
        if left.button("See your report", type="primary", key="iv_to_report"):
            st.switch_page("pages/report.py")
        if right.button("Start a new interview", key="iv_new"):
            del st.session_state["iv_state"]
            st.query_params.clear()
            st.rerun()


main()
sidebar(service, queue=True)  # last, so it shows the state this run produced
