"""The application layer: CLI, review session, Qt GUI, frame sources. Only this package touches
the terminal, files, cameras and Qt; everything it shows comes from `decoders.report.Report`."""
