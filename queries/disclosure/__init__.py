"""The one gate every table, figure, sentence and download passes through."""
