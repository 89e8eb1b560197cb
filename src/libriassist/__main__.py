from libriassist.cli import app

app(prog_name="libriassist")
