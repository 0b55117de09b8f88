//! Keys: what each one does to the [`App`] in each [`Mode`], and what the event loop must
//! do after it ([`Action`]).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Action, App, Col, Mode};

impl App {
    /// One key.
    pub fn on_key(&mut self, key: KeyEvent) -> Action {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Action::Quit;
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.normal_key(key),
            Mode::Filter => {
                match key.code {
                    KeyCode::Enter => {}
                    KeyCode::Esc => self.filter.clear(),
                    KeyCode::Backspace => {
                        self.filter.pop();
                        self.mode = Mode::Filter;
                    }
                    KeyCode::Char(c) if !c.is_control() && self.filter.chars().count() < 64 => {
                        self.filter.push(c);
                        self.mode = Mode::Filter;
                    }
                    _ => self.mode = Mode::Filter,
                }
                Action::None
            }
            Mode::Help => match key.code {
                KeyCode::Char('q') => Action::Quit,
                _ => Action::None,
            },
            Mode::Gateways { cursor } => {
                let n = self.gateways.len();
                match key.code {
                    KeyCode::Up | KeyCode::Char('k') => {
                        self.mode = Mode::Gateways {
                            cursor: cursor.saturating_sub(1),
                        }
                    }
                    KeyCode::Down | KeyCode::Char('j') => {
                        self.mode = Mode::Gateways {
                            cursor: (cursor + 1).min(n.saturating_sub(1)),
                        }
                    }
                    KeyCode::Char(' ') => {
                        if let Some(g) = self.gateways.get_mut(cursor) {
                            g.shown = !g.shown;
                        }
                        self.mode = Mode::Gateways { cursor };
                    }
                    KeyCode::Char('a') => {
                        let all = self.gateways.iter().all(|g| g.shown);
                        self.gateways.iter_mut().for_each(|g| g.shown = !all);
                        self.mode = Mode::Gateways { cursor };
                    }
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('g') | KeyCode::Char('q') => {}
                    _ => self.mode = Mode::Gateways { cursor },
                }
                Action::None
            }
            Mode::Confirm(targets) => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.mode = Mode::Disconnecting(targets.len());
                    Action::Disconnect(targets)
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                    self.say("disconnect cancelled: nothing was sent");
                    Action::None
                }
                _ => {
                    self.mode = Mode::Confirm(targets);
                    Action::None
                }
            },
            Mode::Disconnecting(n) => {
                // Keys wait for the outcome (quitting does not: the requests are cut).
                self.mode = Mode::Disconnecting(n);
                match key.code {
                    KeyCode::Char('q') => Action::Quit,
                    _ => Action::None,
                }
            }
        }
    }

    fn normal_key(&mut self, key: KeyEvent) -> Action {
        match key.code {
            KeyCode::Char('q') => return Action::Quit,
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            KeyCode::PageUp => self.move_cursor(-10),
            KeyCode::PageDown => self.move_cursor(10),
            KeyCode::Home => self.move_cursor(isize::MIN / 2),
            KeyCode::End => self.move_cursor(isize::MAX / 2),
            KeyCode::Char(' ') => {
                if let Some(id) = self.current() {
                    if !self.marked.remove(&id) {
                        self.marked.insert(id);
                    }
                    self.move_cursor(1);
                }
            }
            KeyCode::Esc => {
                self.marked.clear();
                self.filter.clear();
            }
            KeyCode::Char('/') => self.mode = Mode::Filter,
            KeyCode::Char('?') | KeyCode::Char('h') => self.mode = Mode::Help,
            KeyCode::Char('g') => self.mode = Mode::Gateways { cursor: 0 },
            KeyCode::Char('p') => {
                self.paused = !self.paused;
                if !self.paused {
                    return Action::PollNow;
                }
            }
            KeyCode::Char('s') | KeyCode::Right | KeyCode::Char('>') => {
                self.step_sort(1);
            }
            KeyCode::Char('S') | KeyCode::Left | KeyCode::Char('<') => {
                self.step_sort(-1);
            }
            KeyCode::Char('r') => self.reverse = !self.reverse,
            KeyCode::Char(c @ '0'..='9') => {
                let i = (c as usize - '0' as usize + 9) % 10;
                self.sort_by(Col::ALL[i]);
            }
            KeyCode::Char('d') => self.ask_disconnect(),
            _ => {}
        }
        Action::None
    }

    /// The next (or previous) sort column; the gateway column only when shown.
    fn step_sort(&mut self, delta: isize) {
        let cols: Vec<Col> = Col::ALL
            .into_iter()
            .filter(|c| self.several || *c != Col::Gateway)
            .collect();
        let at = cols.iter().position(|c| *c == self.sort).unwrap_or(0) as isize;
        let next = (at + delta).rem_euclid(cols.len() as isize) as usize;
        self.sort = cols[next];
        self.reverse = false;
    }
}
