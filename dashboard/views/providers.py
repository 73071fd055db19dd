"""Being built."""

import streamlit as st

st.title("providers")
st.info("This page is being built.")
