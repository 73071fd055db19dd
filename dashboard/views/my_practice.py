"""Being built."""

import streamlit as st

st.title("my_practice")
st.info("This page is being built.")
