"""How it works: what the interviewer does, how scores are computed, what stays private."""

from __future__ import annotations

import streamlit as st

from interview import LABELS, builtin_roles

st.title("How it works")
st.markdown(
    """
**The interview.** You pick a role (or type your own, optionally pasting a job description). The
interviewer asks one question at a time from a curated bank of behavioral, role-knowledge and
situational questions. When your answer misses an important talking point, it asks a follow-up
about that point (at most two per question), never about something you already covered. Strong
answers raise the difficulty one level; weak ones lower it (1 to 5, shown in the sidebar).

**Talk to it like a person.** Ask it to *rephrase* or *clarify*, ask for a *hint*, to *repeat* the
question, to *skip* it, or to *end* the interview early: you still get a report. Off-topic chat gets
a friendly redirect, and attempts to change the rules or the score are never obeyed or rewarded.

**Scores you can check.** Each answer is scored in code on six dimensions, 1 to 5, and every score
quotes the words of your answer it rests on. The overall 0-100 is the weighted mean of the
dimensions, never invented. Questions you skip are not scored.

**Coding exercises.** Technical roles (Software Engineer, Data Scientist, or a custom role such
as "Backend Developer") can include coding exercises: you write a function in Python or JavaScript
in the editor, press *Run* to see each example's result, and *Submit* to have it run against hidden
tests. Then explain your approach and its time and space complexity in the chat, typed or spoken;
the interviewer asks about a failing case, the complexity, a faster approach or edge cases. Your
code runs in a separate, resource-limited process with no secrets (and no network where the server
supports it); the server can turn code execution off, and then your code is discussed but not run.

**The AI interviewer.** With a Groq key (the server's, or your own pasted in Settings for this
session only), an LLM writes the questions in its own words and asks real follow-ups, streamed as it
writes. It still works from the same question bank and rubric: its scores must quote your answer
(unsupported scores are capped), the overall is computed in code, and messages that try to change
the rules are handled in code and never scored. If Groq is slow or down, that turn is answered by
the offline interviewer with a notice, and after repeated failures the AI pauses for a minute.

**Your data.** The offline engine runs entirely on this server: no account, no key, no network.
With the AI interviewer, your messages for the current question and a short summary of earlier
ones are sent to Groq. Sessions are saved as files in the server's data directory so a refresh does
not lose your work; API keys are never saved or shown.
"""
)
TALK = {"relevance": "Answers the question that was asked",
        "depth": "Covers the talking points a strong answer needs",
        "structure": "STAR for stories; first/then/because for explanations",
        "specificity": "Numbers, time frames, named tools, outcomes",
        "ownership": "Says what you did or would do yourself",
        "clarity": "Right length, short sentences, few fillers and hedges"}
CODE = {"correctness": "Every hidden test passes, edge cases included",
        "efficiency": "The expected complexity, stated and measured on a large input",
        "code_clarity": "Short, shallow, readable code",
        "explanation": "Approach, time and space complexity, and edge cases explained"}
st.subheader("The six dimensions")
st.table({"dimension": [LABELS[d] for d in TALK], "what earns a 5": list(TALK.values())})
st.subheader("Coding exercises: four dimensions")
st.table({"dimension": [LABELS[d] for d in CODE], "what earns a 5": list(CODE.values())})
st.subheader("Built-in roles")
st.write(", ".join(r.name for r in builtin_roles()))
