"""The window's commands: QActions with their keyboard shortcuts, and the menus holding them.

Every shortcut belongs to an action in a menu, so the menus document the keys, and the
actions are window-wide (``Qt.WindowShortcut``): they work whichever widget has focus.
Editors keep the keys they need while typing (see :mod:`narrlocal_gui.ui.shortcut_guard`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu

from narrlocal_gui.ui.transport_bar import JUMP_SECONDS

StandardKey = QKeySequence.StandardKey


@dataclass(frozen=True, slots=True)
class Actions:
    open_video: QAction
    open_project: QAction
    recover: QAction
    save: QAction
    save_as: QAction
    export_video: QAction
    export_annotations: QAction
    export_still: QAction
    cancel_export: QAction
    preferences: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    play_pause: QAction
    previous_frame: QAction
    next_frame: QAction
    jump_back: QAction
    jump_forward: QAction
    shuttle_reverse: QAction
    shuttle_pause: QAction
    shuttle_forward: QAction
    to_start: QAction
    to_end: QAction
    set_in_point: QAction
    set_out_point: QAction
    clear_in_out: QAction
    mute: QAction
    previous_phrase: QAction
    next_phrase: QAction
    transcribe: QAction
    import_transcript: QAction
    extract_phrases: QAction
    cancel_narration: QAction
    localize_all: QAction
    localize_selected: QAction
    cancel_localization: QAction
    adapt_to_videos: QAction
    cancel_adaptation: QAction
    draw_box: QAction
    box_from_click: QAction
    track_forward: QAction
    previous_keyframe: QAction
    next_keyframe: QAction
    delete_keyframe: QAction
    delete_box: QAction
    appearance: QAction
    shortcuts_help: QAction
    about: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, f.name) for f in fields(self)]

    def transport_shortcuts(self) -> dict[str, str]:
        """The keys, by TransportBar tooltip name, so its tooltips match the real keys."""

        def key(action: QAction) -> str:
            return action.shortcut().toString(QKeySequence.SequenceFormat.PortableText)

        return {
            "start": key(self.to_start),
            "back": key(self.jump_back),
            "previous_frame": key(self.previous_frame),
            "play": key(self.play_pause),
            "next_frame": key(self.next_frame),
            "forward": key(self.jump_forward),
            "end": key(self.to_end),
            "mute": key(self.mute),
        }


def _action(
    parent: QObject,
    text: str,
    shortcut: str | StandardKey | None = None,
    tip: str = "",
    *extra: str | StandardKey,
) -> QAction:
    action = QAction(text, parent)
    keys: list[QKeySequence] = []
    for k in (shortcut, *extra):
        # A standard key can be empty on a platform (Preferences on Linux) or repeat another.
        sequence = QKeySequence(k) if k is not None else QKeySequence()
        if not sequence.isEmpty() and sequence not in keys:
            keys.append(sequence)
    if keys:
        action.setShortcuts(keys)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    return action


def build_actions(parent: QObject, undo_stack: QUndoStack) -> Actions:
    """Create the actions (unconnected: the window wires them to whatever does the work)."""
    undo = undo_stack.createUndoAction(parent, "&Undo")
    undo.setShortcuts([QKeySequence(StandardKey.Undo)])
    redo = undo_stack.createRedoAction(parent, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    jump = f"{JUMP_SECONDS:g} s"
    quit_action = _action(parent, "&Quit", "Ctrl+Q", "Quit NarrLocal")
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    # Linux has no standard Preferences key; Ctrl+, is what most applications use there.
    preferences = _action(
        parent, "&Preferences…", StandardKey.Preferences, "Change preferences", "Ctrl+,"
    )
    preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
    mute = _action(parent, "&Mute", "M", "Turn the sound off or on")
    mute.setCheckable(True)
    about = _action(parent, "&About NarrLocal", None, "About NarrLocal")
    about.setMenuRole(QAction.MenuRole.AboutRole)
    draw_box = _action(
        parent,
        "&Draw Box",
        "B",
        "Drag on the picture to draw the box of the selected phrase at this frame "
        "(or Shift+drag at any time)",
    )
    draw_box.setCheckable(True)
    box_from_click = _action(
        parent,
        "Box from &Click\tCtrl+Click",
        None,
        "Click a thing in the picture to box it for the selected phrase at this frame "
        "(or Ctrl+click at any time)",
    )
    box_from_click.setCheckable(True)
    return Actions(
        open_video=_action(parent, "&Open Video…", "Ctrl+O", "Open a video file"),
        open_project=_action(
            parent, "Open &Project…", "Ctrl+Shift+O", "Open a NarrLocal project file"
        ),
        recover=_action(
            parent, "&Recover Autosaved Project…", None, "Open an autosaved untitled project"
        ),
        save=_action(parent, "&Save", "Ctrl+S", "Save the project"),
        save_as=_action(parent, "Save &As…", "Ctrl+Shift+S", "Save the project to a new file"),
        export_video=_action(
            parent,
            "&Export Video…",
            "Ctrl+E",
            "Write the video with its indicators drawn on it as an MP4 file",
        ),
        export_annotations=_action(
            parent,
            "Export A&nnotations…",
            "Ctrl+Shift+E",
            "Write the boxes and phrases as COCO, CVAT, MOT, subtitles, CSV or a project file",
        ),
        # Not Ctrl+Alt+E: AltGr is Ctrl+Alt on Windows, and AltGr+E types the euro sign.
        export_still=_action(
            parent,
            "Export S&till Frame…",
            "Ctrl+Shift+F",
            "Save the frame at the playhead, with its indicators, as a PNG image",
        ),
        cancel_export=_action(
            parent, "Cancel E&xport", None, "Stop the export; nothing is written"
        ),
        preferences=preferences,
        quit=quit_action,
        undo=undo,
        redo=redo,
        play_pause=_action(parent, "&Play / Pause", "Space", "Start or stop playback"),
        previous_frame=_action(parent, "Previous &Frame", "Left", "Step back one frame"),
        next_frame=_action(parent, "&Next Frame", "Right", "Step forward one frame"),
        jump_back=_action(parent, f"&Back {jump}", "Shift+Left", f"Jump back {jump}"),
        jump_forward=_action(parent, f"F&orward {jump}", "Shift+Right", f"Jump forward {jump}"),
        shuttle_reverse=_action(
            parent, "Shuttle &Reverse", "J", "Play backwards; again to go faster"
        ),
        shuttle_pause=_action(parent, "Shuttle &Stop", "K", "Pause"),
        shuttle_forward=_action(
            parent, "Shuttle For&ward", "L", "Play forward; again to go faster"
        ),
        to_start=_action(parent, "Go to S&tart", "Home", "Jump to the first frame"),
        to_end=_action(parent, "Go to &End", "End", "Jump to the last frame"),
        # The keys of every video editor (Premiere, Resolve, Kdenlive, Avid).
        set_in_point=_action(
            parent, "Set &In Point", "I", "Mark the playhead as the start of the range to export"
        ),
        set_out_point=_action(
            parent, "Set O&ut Point", "O", "Mark the playhead as the end of the range to export"
        ),
        clear_in_out=_action(parent, "&Clear In/Out", "Alt+X", "Remove the in and out points"),
        mute=mute,
        previous_phrase=_action(
            parent, "Pre&vious Phrase", "Up", "Jump to the start of the previous phrase"
        ),
        next_phrase=_action(parent, "Ne&xt Phrase", "Down", "Jump to the start of the next phrase"),
        transcribe=_action(
            parent,
            "&Transcribe Audio",
            "Ctrl+T",
            "Recognise the narration in the video's sound (the model is set in Preferences)",
        ),
        import_transcript=_action(
            parent,
            "&Import Transcript…",
            "Ctrl+I",
            "Read the narration from an SRT, WebVTT, JSON or plain-text file",
        ),
        extract_phrases=_action(
            parent,
            "&Extract Phrases Again",
            None,
            "Split the narration into phrases again, after editing its text",
        ),
        cancel_narration=_action(
            parent, "&Cancel Narration Job", None, "Stop transcribing, aligning or extracting"
        ),
        localize_all=_action(
            parent,
            "&Localize All Phrases",
            "Ctrl+L",
            "Find when and where in the picture each phrase happens (device and window in "
            "Preferences)",
        ),
        localize_selected=_action(
            parent,
            "Localize &Selected Phrase",
            "Ctrl+Shift+L",
            "Localize the phrase selected in the transcript again, after editing it",
        ),
        cancel_localization=_action(
            parent,
            "Ca&ncel Localization",
            None,
            "Stop localizing; the phrases already localized are kept",
        ),
        adapt_to_videos=_action(
            parent,
            "&Adapt to My Videos…",
            None,
            "Train the localizer on a folder of your own narrated videos, then localize with "
            "the adapted model (runs in the background; can be stopped and resumed)",
        ),
        cancel_adaptation=_action(
            parent,
            "Stop A&daptation",
            None,
            "Stop adapting the localizer; its progress is kept and can be resumed",
        ),
        draw_box=draw_box,
        box_from_click=box_from_click,
        track_forward=_action(
            parent,
            "&Track Forward",
            "T",
            "Follow the selected box from this frame over the next seconds (one undo step)",
        ),
        # Alt+arrows: the keyframe keys of Kdenlive, beside Left/Right (frames) and
        # Shift+Left/Right (jumps); a modified key, so no text field ever needs it.
        previous_keyframe=_action(
            parent,
            "&Previous Keyframe",
            "Alt+Left",
            "Go to the previous keyframe of the selected box (of any box when none is selected)",
        ),
        next_keyframe=_action(
            parent,
            "&Next Keyframe",
            "Alt+Right",
            "Go to the next keyframe of the selected box (of any box when none is selected)",
        ),
        delete_keyframe=_action(
            parent,
            "Delete &Keyframe",
            "Delete",
            "Delete the selected box's keyframe on this frame",
        ),
        delete_box=_action(
            parent,
            "Delete &Box",
            "Shift+Delete",
            "Delete the selected indicator's box on every frame",
        ),
        appearance=_action(
            parent,
            "Indicator &Appearance…",
            None,
            "Labels, line width and the strength of each style, for the player and exports alike",
        ),
        shortcuts_help=_action(
            parent, "&Keyboard Shortcuts", StandardKey.HelpContents, "List the keyboard shortcuts"
        ),
        about=about,
    )


def build_menus(
    window: QMainWindow,
    actions: Actions,
    recent_menu: QMenu,
    view_actions: Sequence[QAction] = (),
) -> None:
    """File, Edit, View, Playback, Narration, Localize, Boxes and Help menus in the menu bar.

    ``view_actions`` (the docks' show/hide toggles) head the View menu.

    The actions are also added to the window itself, so their shortcuts stay active when
    the menu bar is hidden (full screen) and are scoped to this window.
    """
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(actions.open_video)
    file_menu.addAction(actions.open_project)
    recent_menu.setTitle("Open &Recent")
    file_menu.addMenu(recent_menu)
    file_menu.addAction(actions.recover)
    file_menu.addSeparator()
    file_menu.addAction(actions.save)
    file_menu.addAction(actions.save_as)
    file_menu.addSeparator()
    file_menu.addAction(actions.export_video)
    file_menu.addAction(actions.export_annotations)
    file_menu.addAction(actions.export_still)
    file_menu.addAction(actions.cancel_export)
    file_menu.addSeparator()
    file_menu.addAction(actions.preferences)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(actions.undo)
    edit_menu.addAction(actions.redo)

    view_menu = bar.addMenu("&View")
    for action in view_actions:
        view_menu.addAction(action)
    if view_actions:
        view_menu.addSeparator()
    view_menu.addAction(actions.appearance)

    playback = bar.addMenu("&Playback")
    playback.addAction(actions.play_pause)
    playback.addSeparator()
    for action in (actions.previous_frame, actions.next_frame):
        playback.addAction(action)
    for action in (actions.jump_back, actions.jump_forward):
        playback.addAction(action)
    playback.addSeparator()
    for action in (actions.shuttle_reverse, actions.shuttle_pause, actions.shuttle_forward):
        playback.addAction(action)
    playback.addSeparator()
    for action in (actions.to_start, actions.to_end, actions.previous_phrase, actions.next_phrase):
        playback.addAction(action)
    playback.addSeparator()
    for action in (actions.set_in_point, actions.set_out_point, actions.clear_in_out):
        playback.addAction(action)
    playback.addSeparator()
    playback.addAction(actions.mute)

    narration = bar.addMenu("&Narration")
    narration.addAction(actions.transcribe)
    narration.addAction(actions.import_transcript)
    narration.addAction(actions.extract_phrases)
    narration.addSeparator()
    narration.addAction(actions.cancel_narration)

    localize = bar.addMenu("&Localize")
    localize.addAction(actions.localize_all)
    localize.addAction(actions.localize_selected)
    localize.addSeparator()
    localize.addAction(actions.cancel_localization)
    localize.addSeparator()
    localize.addAction(actions.adapt_to_videos)
    localize.addAction(actions.cancel_adaptation)

    boxes = bar.addMenu("&Boxes")
    boxes.addAction(actions.draw_box)
    boxes.addAction(actions.box_from_click)
    boxes.addAction(actions.track_forward)
    boxes.addSeparator()
    boxes.addAction(actions.previous_keyframe)
    boxes.addAction(actions.next_keyframe)
    boxes.addSeparator()
    boxes.addAction(actions.delete_keyframe)
    boxes.addAction(actions.delete_box)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(actions.shortcuts_help)
    help_menu.addAction(actions.about)

    window.addActions(actions.all())
