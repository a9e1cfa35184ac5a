# Build the double-click executable on Windows: dist\oeleo-gui\ with oeleo-gui.exe (windowed
# tray) and oeleo-gui-cli.exe (console), from build_exe.spec.
#   powershell -ExecutionPolicy Bypass -File scripts\build_exe.ps1 [-DistPath DIR] [-WorkPath DIR]
# Uses .venv\Scripts\python.exe (make it with: py -3.11 -m venv .venv; .venv\Scripts\pip install -e .[build]),
# or the Python given in $env:PYTHON.
param(
    [string]$DistPath = "dist",
    [string]$WorkPath = "build"
)
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)

$python = if ($env:PYTHON) { $env:PYTHON } else { Join-Path ".venv" "Scripts\python.exe" }
if (-not (Test-Path $python)) {
    Write-Error "No $python. Create the venv first: py -3.11 -m venv .venv; .venv\Scripts\pip install -e .[build]"
    exit 2
}
# find_spec writes nothing to stderr (which Windows PowerShell 5.1 would turn into an error).
& $python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('PyInstaller') is None)"
if ($LASTEXITCODE -ne 0) {
    Write-Host "Installing PyInstaller (the 'build' extra)..."
    & $python -m pip install -q -e ".[build]"
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

$watch = [System.Diagnostics.Stopwatch]::StartNew()
& $python -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath $DistPath --workpath $WorkPath build_exe.spec
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

$app = Join-Path $DistPath "oeleo-gui"
$files = Get-ChildItem -Path $app -Recurse -File
$megabytes = [math]::Round(($files | Measure-Object -Property Length -Sum).Sum / 1MB)
Write-Host ("Built {0} in {1:N0} s: {2} MB, {3} files." -f $app, $watch.Elapsed.TotalSeconds, $megabytes, $files.Count)
Write-Host "Run it: $app\oeleo-gui-cli.exe --version   (copy the whole folder, with a .env beside oeleo-gui.exe)"
