"""Files in and out: decoding, YAML with lines, spreadsheets read safely, and the written workbooks."""
