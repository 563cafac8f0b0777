import { DataTypes, fn, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const TODO_TITLE_MAX = 200;

/** A to-do item: the API's resource. The table is created by the `migrate` function's migrations. */
export class Todo extends Model<InferAttributes<Todo>, InferCreationAttributes<Todo>> {
  declare id: CreationOptional<string>;
  declare title: string;
  declare completed: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  /** Starts at 1 and is incremented by every update through the API (migration 0002): the todo's entity tag. */
  declare version: CreationOptional<number>;
}

export function initTodo(sequelize: Sequelize): typeof Todo {
  Todo.init(
    {
      id: { type: DataTypes.UUID, defaultValue: DataTypes.UUIDV4, primaryKey: true },
      title: { type: DataTypes.STRING(TODO_TITLE_MAX), allowNull: false },
      completed: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      // The database's clock, not each container's: one clock orders the pagination key for every
      // writer. (Sequelize uses a timestamp attribute's defaultValue when it has one.)
      createdAt: { type: DataTypes.DATE(3), allowNull: false, defaultValue: fn('now') },
      updatedAt: { type: DataTypes.DATE(3), allowNull: false, defaultValue: fn('now') },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
    },
    { sequelize, tableName: 'todos', modelName: 'Todo' },
  );
  return Todo;
}

/** Binds every model of the application to `sequelize` (called once, when the instance is created). */
export function initModels(sequelize: Sequelize): { Todo: typeof Todo } {
  return { Todo: initTodo(sequelize) };
}
